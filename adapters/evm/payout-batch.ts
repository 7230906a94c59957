import { getAddress, Interface, id, isError, toQuantity, ZeroAddress } from 'ethers';
import { PoolError } from '../../core/errors.js';
import type { PayoutRecipient } from '../../core/ledger/payouts.js';
import { PayoutNotSentError, type SkippedRecipient } from '../../core/ports/payout-sender.js';
import { PAYOUT_BATCH } from './payout-batch.generated.js';

/**
 * The PayoutBatch contract (contracts/PayoutBatch.sol) as both EVM payout senders use it: the call that pays a
 * payout, its gas limit, and the recipients its Paid event says were skipped.
 */

export const BATCH = new Interface(PAYOUT_BATCH.abi);
export const PAID_TOPIC = BATCH.getEvent('Paid')!.topicHash;

/** The most gas one transaction may have (EIP-7825, 2^24): nodes refuse more, even in eth_call. */
const MAX_TX_GAS = 16_777_216n;

/** JSON-RPC, uncached: ethers' provider methods share identical calls for 250 ms, which would hide a new block. */
export interface EvmRpc {
  send(method: string, params: unknown[]): Promise<unknown>;
}

/** The payout id as the contract carries it: keccak256 of its UTF-8 bytes (payout ids are longer than 32 bytes). */
export const payoutIdHash = (payoutId: string): string => id(payoutId);

/** A recipient the contract cannot pay as recorded (not an EIP-55 address, or a non-positive amount). */
export class InvalidEvmRecipientError extends PoolError {
  constructor(message: string) {
    super(message, 'EVM_INVALID_RECIPIENT');
  }
}

/**
 * The `pay(keccak256(payoutId), token, to[], amounts[])` call of a payout (token: ZeroAddress for the native coin)
 * and its total. Accounts must be EIP-55 checksummed (the ledger's spelling) and amounts positive.
 */
export function payCall(
  payoutId: string,
  token: string,
  recipients: readonly PayoutRecipient[],
): { data: string; total: bigint } {
  if (recipients.length === 0) throw new InvalidEvmRecipientError(`payout ${payoutId} has no recipients`);
  for (const r of recipients) {
    if (!isChecksummed(r.account)) {
      throw new InvalidEvmRecipientError(`payout ${payoutId}: ${r.account} is not an EIP-55 checksummed address`);
    }
    if (r.amount <= 0n) throw new InvalidEvmRecipientError(`payout ${payoutId}: ${r.account} is paid ${r.amount}`);
  }
  const data = BATCH.encodeFunctionData('pay', [
    payoutIdHash(payoutId),
    token,
    recipients.map((r) => r.account),
    recipients.map((r) => r.amount),
  ]);
  return { data, total: recipients.reduce((s, r) => s + r.amount, 0n) };
}

/**
 * A payout's gas limit: the least at which eth_call succeeds, by bisection (what a node's eth_estimateGas does;
 * Hardhat's gives up on the contract's gasleft() check), plus a margin for state that changes before it is mined.
 * A payout the chain refuses even with the block's whole gas throws PayoutNotSentError: nothing was sent.
 */
export async function payoutGasLimit(
  rpc: EvmRpc,
  payoutId: string,
  tx: { from: string; to: string; data: string; value: bigint },
): Promise<bigint> {
  const fails = async (gas: bigint): Promise<unknown> => {
    try {
      await rpc.send('eth_call', [{ ...tx, value: toQuantity(tx.value), gas: toQuantity(gas) }, 'latest']);
      return undefined;
    } catch (err) {
      if (!refusedByNode(err)) throw err;
      return err;
    }
  };
  const block = (await rpc.send('eth_getBlockByNumber', ['latest', false])) as { gasLimit: string };
  let [low, high] = [21_000n, BigInt(block.gasLimit) < MAX_TX_GAS ? BigInt(block.gasLimit) : MAX_TX_GAS];
  const refused = await fails(high);
  if (refused) {
    const data = isError(refused, 'CALL_EXCEPTION') ? refused.data : null;
    const reason = (data && BATCH.parseError(data)?.name) || (refused as { shortMessage?: string }).shortMessage;
    throw new PayoutNotSentError(`payout ${payoutId}: the chain refuses it (${reason}); nothing was sent`, {
      cause: refused,
    });
  }
  while (high - low > 1_000n) {
    const mid = (low + high) / 2n;
    if (await fails(mid)) low = mid;
    else high = mid;
  }
  const limit = high + high / 10n + 50_000n;
  return limit < MAX_TX_GAS ? limit : MAX_TX_GAS;
}

/**
 * The recipients a mined payout transaction skipped, from the Paid events the batch contract emitted in it: a
 * recipient the token or the address refused, with why.
 */
export async function skippedInReceipt(
  rpc: EvmRpc,
  batch: string,
  token: string,
  txid: string,
): Promise<SkippedRecipient[]> {
  const receipt = (await rpc.send('eth_getTransactionReceipt', [txid])) as {
    logs: Array<{ address: string; topics: string[]; data: string }>;
  } | null;
  if (!receipt) throw new PoolError(`transaction ${txid} is not mined`, 'EVM_NOT_MINED');
  const refused = token === ZeroAddress ? 'the address refused the native coin' : 'the token refused the transfer';
  const out: SkippedRecipient[] = [];
  for (const log of receipt.logs) {
    if (getAddress(log.address) !== batch || log.topics[0] !== PAID_TOPIC) continue;
    const event = BATCH.parseLog(log)!;
    const to = event.args.getValue('to') as string[];
    const amounts = event.args.getValue('amounts') as bigint[];
    for (const i of event.args.getValue('skipped') as bigint[]) {
      const account = getAddress(to[Number(i)]!);
      out.push({ account, amount: amounts[Number(i)]!, reason: `${refused} in transaction ${txid}` });
    }
  }
  return out;
}

/**
 * Confirmations of a mined transaction by its receipt: head − block + 1; -1 when it reverted (a payout that reverted
 * paid nobody); undefined when the node has no receipt (not mined, or unknown).
 */
export async function minedConfirmations(rpc: EvmRpc, txid: string): Promise<number | undefined> {
  const receipt = (await rpc.send('eth_getTransactionReceipt', [txid])) as {
    status: string;
    blockNumber: string;
  } | null;
  if (!receipt) return undefined;
  if (BigInt(receipt.status) !== 1n) return -1;
  return Number(await rpc.send('eth_blockNumber', [])) - Number(receipt.blockNumber) + 1;
}

/** The native balance of an address minus what is kept back for gas, never below zero. */
export async function nativeSpendable(rpc: EvmRpc, owner: string, reserve: bigint): Promise<bigint> {
  const balance = BigInt((await rpc.send('eth_getBalance', [owner, 'latest'])) as string);
  const left = balance - reserve;
  return left > 0n ? left : 0n;
}

/** The node answered and said no (a revert, funds short), as opposed to not answering. */
export function refusedByNode(err: unknown): boolean {
  if (isError(err, 'CALL_EXCEPTION') || isError(err, 'INSUFFICIENT_FUNDS')) return true;
  return isError(err, 'UNKNOWN_ERROR') && typeof (err.error as { code?: unknown } | undefined)?.code === 'number';
}

function isChecksummed(account: string): boolean {
  try {
    return getAddress(account) === account;
  } catch {
    return false;
  }
}
