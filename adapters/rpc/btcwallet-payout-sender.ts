import { Transaction } from 'bitcoinjs-lib';
import { DUST_LIMIT, type PoolCoin, planPayoutTx } from '../../core/chain/payout-tx.js';
import { addressToOutputScript } from '../../core/coins/address.js';
import type { CoinDefinition, NetworkName } from '../../core/coins/registry.js';
import { ConfigError, DaemonError, InvalidAddressError } from '../../core/errors.js';
import { formatAmount, type PayoutRecipient, parseAmount, payoutAddress } from '../../core/ledger/payouts.js';
import {
  PayoutConflictError,
  PayoutNotSentError,
  type SignedFirstSender,
  type SignedPayout,
} from '../../core/ports/payout-sender.js';
import type { DaemonClient } from './daemon-client.js';

export interface BtcwalletSenderOptions {
  /** btcwallet's RPC: wallet calls, and chain calls it passes on to its btcd (sendrawtransaction). */
  wallet: DaemonClient;
  coin: CoinDefinition;
  network: NetworkName;
  /**
   * The pool address (coins[].poolAddress): a legacy P2PKH address of the wallet. Payouts spend only its coins (the
   * coinbases and the change of earlier payouts) and send their change back to it.
   */
  poolAddress: string;
  /** Satoshi per vbyte. */
  feeRate: bigint;
  /** Unlocks the wallet for signing; a secret, never logged. Absent: the wallet is expected unlocked. */
  passphrase?: string;
}

/** How long walletpassphrase unlocks the wallet: enough to sign one payout, not to leave it open. */
const UNLOCK_SECONDS = 60;
/** btcwallet: walletpassphrase with a wrong passphrase. */
const RPC_WALLET_PASSPHRASE_INCORRECT = -14;
/** gettransaction of a transaction the wallet does not know. */
const RPC_INVALID_ADDRESS_OR_KEY = -5;

interface ListedUnspent {
  txid: string;
  vout: number;
  address?: string;
  scriptPubKey: string;
  amount: number;
}

interface SignResult {
  hex: string;
  complete: boolean;
  errors?: { txid: string; vout: number; error: string }[];
}

/**
 * Bitcoin payouts through btcwallet, signed first: btcwallet refuses sendmany comments, so a payout could not be
 * found by its id after a crash. Instead the transaction is built here (bitcoinjs-lib, outputs from the coin's
 * address module: legacy, P2SH, bech32 and bech32m recipients alike), signed by the wallet (`signrawtransaction`,
 * which signs legacy P2PKH inputs only, hence a P2PKH pool address), returned for the payouts machine to record, and
 * broadcast only after that (`sendrawtransaction`). Recipients get exactly their amounts; the fee comes from the
 * pool's coins.
 */
export class BtcwalletPayoutSender implements SignedFirstSender {
  private readonly poolScript: Buffer;

  constructor(private readonly opts: BtcwalletSenderOptions) {
    this.poolScript = addressToOutputScript(opts.coin, opts.network, opts.poolAddress);
    if (!isP2pkh(this.poolScript)) {
      throw new ConfigError(
        `${opts.coin.symbol}: payouts through btcwallet need a legacy (P2PKH) poolAddress: btcwallet's signrawtransaction signs no other inputs`,
      );
    }
    if (opts.feeRate < 1n) throw new ConfigError(`${opts.coin.symbol}: the payout fee rate must be at least 1 sat/vB`);
  }

  async prepare(_payoutId: string, recipients: PayoutRecipient[]): Promise<SignedPayout> {
    const { coin, network } = this.opts;
    const outputs = recipients.map((r) => {
      if (r.amount < DUST_LIMIT) {
        throw new PayoutNotSentError(
          `${r.account}: ${r.amount} is below the dust limit (${DUST_LIMIT}); raise the minimum`,
        );
      }
      try {
        // The address it is paid at: an aux coin's recipient is a parent mining address paid at its aux address.
        return { script: addressToOutputScript(coin, network, payoutAddress(r)), amount: r.amount };
      } catch (err) {
        // Refused every pass alike: suspended for the operator rather than retried.
        if (err instanceof InvalidAddressError) throw new PayoutNotSentError(err.message, { cause: err });
        throw err;
      }
    });
    const coins = await this.poolCoins();
    const plan = planPayoutTx(coins, outputs, this.opts.feeRate);
    if (!plan) {
      const have = coins.reduce((s, c) => s + c.amount, 0n);
      const total = outputs.reduce((s, o) => s + o.amount, 0n);
      throw new PayoutNotSentError(
        `the pool address's mature coins (${formatAmount(have)}) cannot pay ${formatAmount(total)} and the fee`,
      );
    }
    const tx = new Transaction();
    tx.version = 2;
    for (const c of plan.inputs) tx.addInput(Buffer.from(c.txid, 'hex').reverse(), c.vout);
    for (const o of outputs) tx.addOutput(o.script, o.amount);
    if (plan.change > 0n) tx.addOutput(this.poolScript, plan.change);

    await this.unlock();
    // The previous outputs' scripts are passed: btcwallet otherwise asks btcd for each, and fails without an answer.
    const prevouts = plan.inputs.map((c) => ({
      txid: c.txid,
      vout: c.vout,
      scriptPubKey: this.poolScript.toString('hex'),
    }));
    const signed = await this.opts.wallet.call<SignResult>('signrawtransaction', [tx.toHex(), prevouts], {
      timeoutMs: 60_000,
    });
    if (!signed.complete) {
      const why = [...new Set((signed.errors ?? []).map((e) => e.error))].join('; ');
      throw new PayoutNotSentError(
        `the wallet did not sign every input (${why || 'no reason given'})${this.opts.passphrase ? '' : ': a locked wallet needs payouts.walletPassphrase'}`,
      );
    }
    const result = Transaction.fromHex(signed.hex);
    // The wallet adds signatures, nothing else: the same inputs and outputs, or nothing is recorded.
    if (unsignedId(result) !== unsignedId(tx)) {
      throw new PayoutNotSentError('the wallet returned a transaction with other inputs or outputs than it was given');
    }
    return { txid: result.getId(), raw: signed.hex };
  }

  async broadcast(tx: SignedPayout): Promise<string> {
    try {
      return await this.opts.wallet.call<string>('sendrawtransaction', [tx.raw], { timeoutMs: 60_000 });
    } catch (err) {
      if (!(err instanceof DaemonError)) throw err;
      // btcd's answers for a transaction it has: the same bytes again are a success.
      if (/already have transaction|already exists in blockchain/i.test(err.message)) return tx.txid;
      // Its inputs were spent by another transaction (mempool: "already spent"; chain: an orphan whose inputs are
      // fully spent, the inputs being confirmed coins): it can never be mined.
      if (/already spent|fully-spent/i.test(err.message)) {
        throw new PayoutConflictError(`transaction ${tx.txid}: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  /** 0 for a transaction the wallet does not know (never broadcast, or forgotten): the payouts pass broadcasts it. */
  async confirmations(txid: string): Promise<number> {
    try {
      return (await this.opts.wallet.call<{ confirmations: number }>('gettransaction', [txid])).confirmations;
    } catch (err) {
      if (err instanceof DaemonError && err.rpcCode === RPC_INVALID_ADDRESS_OR_KEY) return 0;
      throw err;
    }
  }

  /** The pool address's confirmed coins (btcwallet lists a coinbase only once mature). */
  async spendable(): Promise<bigint> {
    return (await this.poolCoins()).reduce((s, c) => s + c.amount, 0n);
  }

  private async poolCoins(): Promise<PoolCoin[]> {
    // btcwallet refuses listunspent's address filter: every confirmed coin, then the pool address's.
    const listed = await this.opts.wallet.call<ListedUnspent[]>('listunspent', [1, 9_999_999], { timeoutMs: 60_000 });
    const pool = this.poolScript.toString('hex');
    return listed
      .filter((u) => u.scriptPubKey === pool)
      .map((u) => ({ txid: u.txid, vout: u.vout, amount: parseAmount(u.amount, this.opts.coin.decimals) }));
  }

  private async unlock(): Promise<void> {
    const { passphrase } = this.opts;
    if (!passphrase) return;
    try {
      await this.opts.wallet.call('walletpassphrase', [passphrase, UNLOCK_SECONDS]);
    } catch (err) {
      if (err instanceof DaemonError && err.rpcCode === RPC_WALLET_PASSPHRASE_INCORRECT) {
        throw new PayoutNotSentError('the wallet refused payouts.walletPassphrase', { cause: err });
      }
      throw err;
    }
  }
}

/** OP_DUP OP_HASH160 <20 bytes> OP_EQUALVERIFY OP_CHECKSIG */
function isP2pkh(script: Buffer): boolean {
  return (
    script.length === 25 &&
    script[0] === 0x76 &&
    script[1] === 0xa9 &&
    script[2] === 0x14 &&
    script[23] === 0x88 &&
    script[24] === 0xac
  );
}

/** The transaction's id with its input scripts cleared: equal before and after signing. */
function unsignedId(tx: Transaction): string {
  const bare = tx.clone();
  for (const input of bare.ins) {
    input.script = Buffer.alloc(0);
    input.witness = [];
  }
  return bare.getId();
}
