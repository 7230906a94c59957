import { type BaseWallet, formatUnits, getAddress, isError, keccak256, ZeroAddress } from 'ethers';
import type { PayoutRecipient } from '../../core/ledger/payouts.js';
import {
  PayoutConflictError,
  PayoutNotSentError,
  type SignedFirstSender,
  type SignedPayout,
  type SkippedRecipient,
} from '../../core/ports/payout-sender.js';
import { PAYOUT_BATCH } from './payout-batch.generated.js';
import {
  type EvmRpc,
  InvalidEvmRecipientError,
  minedConfirmations,
  nativeSpendable,
  payCall,
  payoutGasLimit,
  skippedInReceipt,
} from './payout-batch.js';

export interface NativePayoutOptions {
  /** The pool's key (Secrets Manager in AWS, a file locally): it signs here, never an unlocked node account. */
  signer: BaseWallet;
  /** The coin's node, uncached (ethers' provider caches identical calls for 250 ms, hiding a new nonce). */
  rpc: EvmRpc;
  /** EIP-155 chain id every payout is signed for (61 ETC mainnet, 63 Mordor); a node on another chain is refused. */
  chainId: number;
  /** The PayoutBatch contract deployed on the chain (contracts/PayoutBatch.sol); its code is checked before use. */
  batch: string;
  /** The highest gas price a payout may pay, wei: above it the payout is refused, never sent dearer. */
  maxGasPrice: bigint;
  /** What spendable() keeps back for the gas of payouts, wei. */
  gasReserve?: bigint;
}

/**
 * Native-coin payouts on an Ethereum-family chain (ETC), signed first by the pool's key (core/ports SignedFirstSender):
 * `prepare` builds and signs one legacy (type 0, EIP-155) transaction calling the PayoutBatch contract, which pays
 * every recipient its exact amount in wei; the payouts machine records those bytes; only then `broadcast` sends them.
 * After a crash the same bytes are sent again, never a new transaction, so a payout is paid at most once.
 *
 * - Chain: the node's eth_chainId must be `chainId`, and the contract's code PayoutBatch's own (a wrong address
 *   would receive the whole payout), or nothing is signed (PayoutNotSentError: the coin's payouts are suspended).
 * - Nonce: the pool address's `pending` transaction count at prepare. The payouts machine keeps one payout in flight
 *   per coin, so no other payout can take it; a transaction of the key sent by anything else can, which `broadcast`
 *   reports as PayoutConflictError (the recorded transaction can never be mined: the operator decides).
 * - Gas: the price the node suggests (eth_gasPrice), refused above `maxGasPrice` (PayoutNotSentError: a spike never
 *   makes the pool overpay); the limit by simulation (a payout the chain would refuse is never signed).
 * - One address that refuses the coin (a contract that reverts or burns its gas) does not stall the others: the
 *   contract skips it, sends its amount back to the pool in the same transaction, and skipped() names it from the
 *   Paid event, so the machine returns that amount to its balance while the others are paid.
 * - broadcast: a transaction the node already has ("already known"), or that is mined, is a success.
 * - confirmations: by receipt; -1 when the transaction reverted (it paid nobody); 0 while not mined, or when the node
 *   forgot it (the machine broadcasts the recorded bytes again).
 */
export class NativePayoutSender implements SignedFirstSender {
  private readonly batch: string;
  private checked?: Promise<void>;

  constructor(private readonly opts: NativePayoutOptions) {
    this.batch = getAddress(opts.batch);
  }

  async prepare(payoutId: string, recipients: PayoutRecipient[]): Promise<SignedPayout> {
    await this.checkChain();
    await this.check();
    const { rpc, signer } = this.opts;
    let call: { data: string; total: bigint };
    try {
      call = payCall(payoutId, ZeroAddress, recipients);
    } catch (err) {
      // Refused every pass alike: suspended for the operator rather than retried.
      if (err instanceof InvalidEvmRecipientError) throw new PayoutNotSentError(err.message, { cause: err });
      throw err;
    }
    const gasPrice = BigInt((await rpc.send('eth_gasPrice', [])) as string);
    if (gasPrice > this.opts.maxGasPrice) {
      throw new PayoutNotSentError(
        `payout ${payoutId}: the node's gas price ${gwei(gasPrice)} gwei is above payouts.maxGasPrice (${gwei(this.opts.maxGasPrice)} gwei); nothing was sent`,
      );
    }
    const tx = { from: signer.address, to: this.batch, data: call.data, value: call.total };
    const gasLimit = await payoutGasLimit(rpc, payoutId, tx);
    const balance = BigInt((await rpc.send('eth_getBalance', [signer.address, 'latest'])) as string);
    const needed = call.total + gasLimit * gasPrice;
    if (balance < needed) {
      throw new PayoutNotSentError(
        `payout ${payoutId}: the pool address holds ${balance} wei, the payout and its gas need up to ${needed}`,
      );
    }
    const nonce = Number(await rpc.send('eth_getTransactionCount', [signer.address, 'pending']));
    const raw = await signer.signTransaction({
      type: 0, // ETC has no EIP-1559: a legacy transaction with its gas price, replay-protected by the chain id
      chainId: this.opts.chainId,
      nonce,
      gasPrice,
      gasLimit,
      to: this.batch,
      value: call.total,
      data: call.data,
    });
    return { txid: keccak256(raw), raw };
  }

  async broadcast(tx: SignedPayout): Promise<string> {
    try {
      return (await this.opts.rpc.send('eth_sendRawTransaction', [tx.raw])) as string;
    } catch (err) {
      const why = nodeMessage(err);
      // The node has these very bytes in its pool: sent before.
      if (/already known|known transaction|already imported/i.test(why)) return tx.txid;
      // Our nonce is used: by these bytes (mined, or pending elsewhere) — a success — or by another transaction.
      if (isError(err, 'NONCE_EXPIRED') || isError(err, 'REPLACEMENT_UNDERPRICED') || /nonce too low/i.test(why)) {
        // Asked by receipt first: a node still indexing its transactions answers that with an error (retried next
        // pass), where an unindexed mined transaction could look absent to eth_getTransactionByHash.
        if ((await minedConfirmations(this.opts.rpc, tx.txid)) !== undefined) return tx.txid;
        if (await this.opts.rpc.send('eth_getTransactionByHash', [tx.txid])) return tx.txid;
        throw new PayoutConflictError(
          `transaction ${tx.txid}: another transaction of the pool's key took its nonce (${why})`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  async confirmations(txid: string): Promise<number> {
    // Not mined: pending, or forgotten by the node (the payouts machine then broadcasts the recorded bytes again).
    return (await minedConfirmations(this.opts.rpc, txid)) ?? 0;
  }

  skipped(txid: string): Promise<SkippedRecipient[]> {
    return skippedInReceipt(this.opts.rpc, this.batch, ZeroAddress, txid);
  }

  spendable(): Promise<bigint> {
    return nativeSpendable(this.opts.rpc, this.opts.signer.address, this.opts.gasReserve ?? 0n);
  }

  /**
   * The contract at `batch` is PayoutBatch: its code equals what PayoutBatch's creation code returns when run
   * (eth_call without `to`). Read once per sender; a failed read is asked again.
   */
  check(): Promise<void> {
    this.checked ??= this.checkContract().catch((err: unknown) => {
      this.checked = undefined;
      throw err;
    });
    return this.checked;
  }

  private async checkContract(): Promise<void> {
    const { rpc } = this.opts;
    const [code, expected] = await Promise.all([
      rpc.send('eth_getCode', [this.batch, 'latest']) as Promise<string>,
      rpc.send('eth_call', [{ data: PAYOUT_BATCH.bytecode }, 'latest']) as Promise<string>,
    ]);
    if (code.toLowerCase() !== expected.toLowerCase()) {
      throw new PayoutNotSentError(
        `${this.batch} is not the PayoutBatch contract (payouts.contract): ${code === '0x' ? 'no code there' : 'other code'}; nothing was sent`,
      );
    }
  }

  private async checkChain(): Promise<void> {
    const chainId = Number(await this.opts.rpc.send('eth_chainId', []));
    if (chainId !== this.opts.chainId) {
      throw new PayoutNotSentError(
        `the node is on chain ${chainId}, payouts are signed for chain ${this.opts.chainId}; nothing was sent`,
      );
    }
  }
}

const gwei = (wei: bigint) => formatUnits(wei, 'gwei');

/** What the node said, wherever ethers put it (its own summary, the JSON-RPC error's message). */
function nodeMessage(err: unknown): string {
  const e = err as { shortMessage?: string; message?: string; error?: { message?: string } };
  return [e.shortMessage, e.error?.message, e.message].filter(Boolean).join(' | ');
}
