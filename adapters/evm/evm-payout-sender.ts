import {
  getAddress,
  Interface,
  isError,
  MaxUint256,
  type Signer,
  type TransactionResponse,
  ZeroAddress,
  zeroPadValue,
} from 'ethers';
import { PoolError } from '../../core/errors.js';
import type { PayoutRecipient } from '../../core/ledger/payouts.js';
import {
  PayoutNotSentError,
  type PayoutSender,
  type SentPayout,
  type SkippedRecipient,
} from '../../core/ports/payout-sender.js';
import {
  BATCH,
  type EvmRpc,
  minedConfirmations,
  nativeSpendable,
  PAID_TOPIC,
  payCall,
  payoutGasLimit,
  payoutIdHash,
  skippedInReceipt,
} from './payout-batch.js';

export { type EvmRpc, InvalidEvmRecipientError, payoutIdHash } from './payout-batch.js';

const ERC20 = new Interface([
  'function balanceOf(address owner) view returns (uint256)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function decimals() view returns (uint8)',
  // No return value declared: USDT on Ethereum returns none.
  'function approve(address spender, uint256 value)',
]);

/** Every EVM chain's native coin counts in wei. */
const NATIVE_DECIMALS = 18;

export interface EvmPayoutOptions {
  /** The pool wallet, connected to a provider: it signs every payout and is the `from` of their Paid events. */
  signer: Signer;
  rpc: EvmRpc;
  /** The deployed PayoutBatch contract (contracts/PayoutBatch.sol). */
  batch: string;
  /** The contract's deployment block: no payout can be older, so the search for one starts there. */
  fromBlock: number;
  /** The ERC-20 token paid out (USDT, USDC); absent for the chain's native coin. */
  token?: string;
  /** Native coin only: what spendable() keeps back for the gas of payouts, wei. */
  gasReserve?: bigint;
  /** Blocks per eth_getLogs request: providers cap the range (10 000 is the common limit). */
  logRange?: number;
  /** How long send() waits for the one-time approve of the token to be mined. */
  approveTimeoutMs?: number;
  /**
   * The base-unit decimals of the ledger this sender pays (6 for USDT): the token's decimals() (18 for the native
   * coin) must be the same, checked before anything is read or sent. USDT on BNB Chain has 18: a ledger of 6 paid in
   * it would pay 10^-12 of what is owed.
   */
  decimals?: number;
}

/** The token counts in other units than the ledger it would pay: every amount would be off by a power of ten. */
export class EvmDecimalsMismatchError extends PoolError {
  constructor(token: string, tokenDecimals: number, ledgerDecimals: number) {
    super(
      `${token === ZeroAddress ? 'the native coin' : `token ${token}`} has ${tokenDecimals} decimals but the ledger it ` +
        `pays counts ${ledgerDecimals}: refusing to pay (check payouts.token and the chain)`,
      'EVM_DECIMALS_MISMATCH',
    );
  }
}

/**
 * The wallet has transactions the node has not mined yet and the payout is not among the mined ones: it may be one
 * of them. findPayout throws this instead of answering "not sent", so the payout is not sent again meanwhile.
 */
export class EvmPayoutUnsettledError extends PoolError {
  constructor(payoutId: string, pending: number) {
    super(`payout ${payoutId}: ${pending} transaction(s) of the pool wallet are still pending`, 'EVM_PAYOUT_UNSETTLED');
  }
}

/**
 * Payouts on an Ethereum-family chain, native coin or one ERC-20 token, through the PayoutBatch contract: one
 * transaction `pay(keccak256(payoutId), token, to[], amounts[])` pays every recipient and emits
 * `Paid(payoutId, from, token, to, amounts)`, so after a crash a log query on (payout id, pool wallet, token) tells
 * whether the payout went out, and with which outputs.
 *
 * - Accounts are EIP-55 checksummed addresses (what findPayout reports): any other spelling is refused, because the
 *   payouts machine compares the recorded outputs with the found ones as strings.
 * - Nonces are explicit: each transaction takes the wallet's `pending` transaction count, read uncached just before
 *   signing. Two transactions with one nonce can never both be mined, so a payout resent after its first transaction
 *   was dropped cannot pay twice.
 * - A recipient the token or the address refuses is skipped by the contract and the others are paid; skipped() reads
 *   who from the transaction's Paid event, so the payouts machine returns those amounts to their balances.
 * - send() simulates the call first (eth_estimateGas): a payout the chain refuses as a whole (the wallet cannot cover
 *   it) throws PayoutNotSentError with nothing broadcast. A token payout also needs the wallet's token balance.
 * - With `decimals`, a token whose decimals() differ from the ledger's is refused (EvmDecimalsMismatchError).
 * - Tokens are paid with transferFrom from the pool wallet; send() approves the contract once for the maximum (via 0
 *   first when an allowance exists: USDT refuses non-zero → non-zero) and waits for that approve to be mined.
 * - findPayout scans from the deployment block in `logRange` chunks. Finding nothing while the wallet has unmined
 *   transactions is not an answer: it throws EvmPayoutUnsettledError (the next run asks again). This assumes the node
 *   queried is the one the transactions were sent to (or sees its mempool).
 * - confirmations: head − block + 1 once mined; 0 while pending (or, for a transaction this instance sent, while its
 *   nonce is unused); -1 when the transaction reverted (it paid nobody) or is gone — neither mined nor known to the
 *   node (dropped, replaced by another transaction with its nonce, or reorganised out and not re-added): the payout
 *   may not have happened, so the payouts machine suspends and an operator decides.
 * - spendable: the token balance of the pool wallet; for the native coin, its balance minus `gasReserve` (never
 *   below 0). The gas of token payouts is paid in the native coin, outside this balance.
 */
export class EvmPayoutSender implements PayoutSender {
  private readonly token: string;
  private readonly batch: string;
  /** Transactions this instance broadcast, with their nonces: tells "not propagated yet" from "gone". */
  private readonly broadcast = new Map<string, number>();
  private checked?: Promise<void>;

  constructor(private readonly opts: EvmPayoutOptions) {
    this.token = opts.token ? getAddress(opts.token) : ZeroAddress;
    this.batch = getAddress(opts.batch);
  }

  /**
   * Refuses a token whose decimals() differ from the ledger's (EvmPayoutOptions.decimals). Run before the first
   * send, read or search; a composition root calls it at start to fail early.
   */
  check(): Promise<void> {
    this.checked ??= this.checkDecimals().catch((err: unknown) => {
      this.checked = undefined; // a failed read is asked again; a mismatch fails again
      throw err;
    });
    return this.checked;
  }

  async send(payoutId: string, recipients: PayoutRecipient[]): Promise<string> {
    await this.check();
    const { data, total } = payCall(payoutId, this.token, recipients);
    if (this.token !== ZeroAddress) {
      // The contract skips a transfer that fails: without the funds, every recipient would be skipped.
      const held = await this.tokenCall('balanceOf', [await this.opts.signer.getAddress()]);
      if (held < total)
        throw new PayoutNotSentError(`payout ${payoutId}: the pool wallet holds ${held}, needs ${total}`);
      await this.ensureAllowance(total);
    }
    const tx = { to: this.batch, data, value: this.token === ZeroAddress ? total : 0n };
    const gasLimit = await payoutGasLimit(this.opts.rpc, payoutId, {
      from: await this.opts.signer.getAddress(),
      ...tx,
    });
    try {
      return await this.transact({ ...tx, gasLimit });
    } catch (err) {
      // The node turned the signed transaction away for want of funds: it is in no mempool. (Not any refusal: one
      // such as "already known" means it is.)
      if (isError(err, 'INSUFFICIENT_FUNDS') || /insufficient funds|enough funds/i.test(String(err))) {
        throw new PayoutNotSentError(`payout ${payoutId}: the wallet cannot pay it with its gas`, { cause: err });
      }
      throw err;
    }
  }

  skipped(txid: string): Promise<SkippedRecipient[]> {
    return skippedInReceipt(this.opts.rpc, this.batch, this.token, txid);
  }

  async findPayout(payoutId: string): Promise<SentPayout[]> {
    await this.check();
    const from = await this.opts.signer.getAddress();
    const topics = [PAID_TOPIC, payoutIdHash(payoutId), zeroPadValue(from, 32), zeroPadValue(this.token, 32)];
    // Nonces first, then the head: when nothing was pending then, every transaction sent before is in a block up to
    // that head, so the scan below sees it. (Read after the scan, a transaction mined meanwhile would be missed.)
    const [mined, pending] = await Promise.all([this.nonce('latest'), this.nonce('pending')]);
    const head = await this.blockNumber();
    const range = this.opts.logRange ?? 10_000;
    const found: SentPayout[] = [];
    for (let start = this.opts.fromBlock; start <= head; start += range) {
      const logs = (await this.opts.rpc.send('eth_getLogs', [
        { address: this.batch, topics, fromBlock: hex(start), toBlock: hex(Math.min(start + range - 1, head)) },
      ])) as Array<{ topics: string[]; data: string; transactionHash: string; removed?: boolean }>;
      for (const log of logs) {
        if (log.removed) continue;
        const event = BATCH.parseLog(log)!;
        const to = event.args.getValue('to') as string[];
        const amounts = event.args.getValue('amounts') as bigint[];
        found.push({
          txid: log.transactionHash,
          outputs: to.map((account, i) => ({ account: getAddress(account), amount: amounts[i]! })),
        });
      }
    }
    if (found.length === 0 && pending > mined) throw new EvmPayoutUnsettledError(payoutId, pending - mined);
    return found;
  }

  async confirmations(txid: string): Promise<number> {
    const mined = await minedConfirmations(this.opts.rpc, txid);
    if (mined !== undefined) return mined;
    if (await this.opts.rpc.send('eth_getTransactionByHash', [txid])) return 0; // pending
    const nonce = this.broadcast.get(txid);
    if (nonce !== undefined && (await this.nonce('latest')) <= nonce) return 0; // not visible yet, nonce still free
    return -1;
  }

  async spendable(): Promise<bigint> {
    await this.check();
    const owner = await this.opts.signer.getAddress();
    if (this.token === ZeroAddress) return nativeSpendable(this.opts.rpc, owner, this.opts.gasReserve ?? 0n);
    return this.tokenCall('balanceOf', [owner]);
  }

  private async checkDecimals(): Promise<void> {
    const want = this.opts.decimals;
    if (want === undefined) return;
    const has = this.token === ZeroAddress ? NATIVE_DECIMALS : Number(await this.tokenCall('decimals', []));
    if (has !== want) throw new EvmDecimalsMismatchError(this.token, has, want);
  }

  private async ensureAllowance(total: bigint): Promise<void> {
    const owner = await this.opts.signer.getAddress();
    const allowance = await this.tokenCall('allowance', [owner, this.batch]);
    if (allowance >= total) return;
    if (allowance > 0n) await this.approve(0n);
    await this.approve(MaxUint256);
  }

  private async approve(value: bigint): Promise<void> {
    const data = ERC20.encodeFunctionData('approve', [this.batch, value]);
    const { sent } = await sendWithNonce(this.opts.signer, this.opts.rpc, { to: this.token, data });
    const receipt = await sent.wait(1, this.opts.approveTimeoutMs ?? 120_000);
    if (receipt?.status !== 1) {
      throw new PoolError(`approve ${sent.hash} of ${this.token} failed`, 'EVM_APPROVE_FAILED');
    }
  }

  private async transact(tx: { to: string; data: string; value?: bigint; gasLimit?: bigint }): Promise<string> {
    const { sent, nonce } = await sendWithNonce(this.opts.signer, this.opts.rpc, tx);
    this.broadcast.set(sent.hash, nonce);
    return sent.hash;
  }

  private async tokenCall(method: 'balanceOf' | 'allowance' | 'decimals', args: string[]): Promise<bigint> {
    const data = ERC20.encodeFunctionData(method, args);
    const out = (await this.opts.rpc.send('eth_call', [{ to: this.token, data }, 'latest'])) as string;
    return ERC20.decodeFunctionResult(method, out)[0] as bigint;
  }

  private nonce(tag: 'latest' | 'pending'): Promise<number> {
    return walletNonce(this.opts.signer, this.opts.rpc, tag);
  }

  private async blockNumber(): Promise<number> {
    return Number(await this.opts.rpc.send('eth_blockNumber', []));
  }
}

/**
 * Deploys a contract from its generated artifact with an explicit nonce (as every transaction of this module) and
 * waits for it: its address and deployment block (EvmPayoutOptions.fromBlock).
 */
export async function deployContract(
  signer: Signer,
  rpc: EvmRpc,
  artifact: { bytecode: string },
): Promise<{ address: string; block: number }> {
  const { sent } = await sendWithNonce(signer, rpc, { data: artifact.bytecode });
  const receipt = await sent.wait(1);
  if (!receipt?.contractAddress || receipt.status !== 1) {
    throw new PoolError(`deployment ${sent.hash} failed`, 'EVM_DEPLOY_FAILED');
  }
  return { address: getAddress(receipt.contractAddress), block: receipt.blockNumber };
}

/**
 * Signs with the wallet's next nonce, its `pending` transaction count read uncached just before; ethers fills in the
 * chain id, fees and gas limit (by estimation: a reverting call throws here, before anything is broadcast).
 */
async function sendWithNonce(
  signer: Signer,
  rpc: EvmRpc,
  tx: { to?: string; data: string; value?: bigint; gasLimit?: bigint },
): Promise<{ sent: TransactionResponse; nonce: number }> {
  const nonce = await walletNonce(signer, rpc, 'pending');
  return { sent: await signer.sendTransaction({ ...tx, nonce }), nonce };
}

async function walletNonce(signer: Signer, rpc: EvmRpc, tag: 'latest' | 'pending'): Promise<number> {
  return Number(await rpc.send('eth_getTransactionCount', [await signer.getAddress(), tag]));
}

const hex = (n: number) => `0x${n.toString(16)}`;
