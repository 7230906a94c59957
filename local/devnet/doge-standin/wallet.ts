import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1';
import { script as bscript, type Network, payments, Transaction } from 'bitcoinjs-lib';
import { coinNetworks } from '../../../core/coins/registry.js';
import { type Coin, display, Rejected } from './chain.js';
import { COINBASE_MATURITY, DOGE, DUST_LIMIT, FEE_PER_KB } from './params.js';
import { readJsonFile, writeDurably } from './store.js';

/**
 * The stand-in's one wallet: P2PKH keys on Dogecoin regtest (addresses m…/n…, Bitcoin's test versions), the
 * transactions it sent with their comments, kept in an owner-only wallet.json rewritten whole on every change. It
 * spends its confirmed coins (coinbases once mature), signs every input, sends change to a new key of its own.
 */

export const REGTEST = coinNetworks(DOGE, 'regtest')[0];

interface StoredKey {
  /** Private key, hex. */
  priv: string;
  address: string;
  label: string;
  /** Made for change: not listed as received money (Core's IsChange). */
  change: boolean;
}

/** What the wallet keeps of a transaction it made: its bytes (to put back in the mempool after a restart). */
export interface SentRecord {
  hex: string;
  comment?: string;
  /** Seconds since the epoch. */
  time: number;
}

interface WalletFile {
  keys: StoredKey[];
  sent: Record<string, SentRecord>;
}

/** A coin the wallet can spend, with its outpoint. */
export interface WalletCoin extends Coin {
  txid: string;
  vout: number;
  address: string;
}

export class Wallet {
  private readonly data: WalletFile;
  private readonly byScript = new Map<string, StoredKey>();

  constructor(
    private readonly path: string,
    /** The address versions of the chain it is the wallet of (DOGE regtest by default). */
    private readonly network: Network = REGTEST,
  ) {
    this.data = readJsonFile<WalletFile>(path) ?? { keys: [], sent: {} };
    for (const key of this.data.keys) this.byScript.set(this.scriptOf(key.address).toString('hex'), key);
  }

  newAddress(label = '', change = false): string {
    let priv: Uint8Array;
    do priv = randomBytes(32);
    while (!secp256k1.utils.isValidPrivateKey(priv));
    const address = payments.p2pkh({ pubkey: secp256k1.getPublicKey(priv, true), network: this.network }).address!;
    const key: StoredKey = { priv: Buffer.from(priv).toString('hex'), address, label, change };
    this.data.keys.push(key);
    this.byScript.set(this.scriptOf(address).toString('hex'), key);
    this.save();
    return address;
  }

  /** The wallet's key for an output script, if it has one. */
  keyFor(script: Uint8Array): { address: string; label: string; change: boolean } | undefined {
    return this.byScript.get(Buffer.from(script).toString('hex'));
  }

  owns(script: Uint8Array): boolean {
    return this.byScript.has(Buffer.from(script).toString('hex'));
  }

  get sent(): Readonly<Record<string, SentRecord>> {
    return this.data.sent;
  }

  /**
   * The wallet's coins among `utxos` with at least `minConf` confirmations at `tipHeight`, coinbases only once mature
   * (Core's wallet: COINBASE_MATURITY + 1 deep), not spent by a transaction in the mempool.
   */
  coins(utxos: ReadonlyMap<string, Coin>, tipHeight: number, minConf: number, spentInMempool: ReadonlySet<string>) {
    const out: WalletCoin[] = [];
    for (const [key, coin] of utxos) {
      const owner = this.keyFor(coin.script);
      if (!owner || spentInMempool.has(key)) continue;
      const depth = tipHeight - coin.height + 1;
      if (depth < minConf || (coin.coinbase && depth < COINBASE_MATURITY + 1)) continue;
      const [txid, vout] = key.split(':') as [string, string];
      out.push({ ...coin, txid, vout: Number(vout), address: owner.address });
    }
    return out;
  }

  /**
   * A signed transaction paying `outputs` (script, amount) from `coins`, oldest first, with the fee at FEE_PER_KB of
   * its size and the change (unless dust) to a new change key. Rejected('insufficient-funds') when they do not cover
   * it. Nothing is recorded: `record` does that once the mempool took it.
   */
  build(outputs: readonly { script: Buffer; value: bigint }[], coins: readonly WalletCoin[]): Transaction {
    const want = outputs.reduce((s, o) => s + o.value, 0n);
    const sorted = [...coins].sort((a, b) => a.height - b.height || a.txid.localeCompare(b.txid) || a.vout - b.vout);
    const chosen: WalletCoin[] = [];
    let have = 0n;
    let changeScript: Buffer | undefined;
    for (const coin of sorted) {
      chosen.push(coin);
      have += coin.value;
      // One output more for the change, 34 bytes; a signed P2PKH input is at most 148 bytes.
      const size = 10 + chosen.length * 148 + (outputs.length + 1) * 34;
      const fee = FEE_PER_KB * BigInt(Math.ceil(size / 1000));
      if (have < want + fee) continue;
      const change = have - want - fee;
      const tx = new Transaction();
      tx.version = 1;
      for (const c of chosen) tx.addInput(Buffer.from(c.txid, 'hex').reverse(), c.vout);
      for (const o of outputs) tx.addOutput(o.script, o.value);
      if (change >= DUST_LIMIT) {
        changeScript ??= this.scriptOf(this.newAddress('', true));
        tx.addOutput(changeScript, change);
      }
      this.sign(tx, chosen);
      return tx;
    }
    throw new Rejected('insufficient-funds', `the wallet has ${have} spendable, the payment needs ${want} and a fee`);
  }

  /** Keeps a transaction the wallet made, with its comment, before it is announced (the comment survives a crash). */
  record(tx: Transaction, comment: string | undefined, time: number): void {
    this.data.sent[display(Buffer.from(tx.getHash()))] = { hex: tx.toHex(), time, ...(comment ? { comment } : {}) };
    this.save();
  }

  private sign(tx: Transaction, coins: readonly WalletCoin[]): void {
    coins.forEach((coin, i) => {
      const key = this.byScript.get(coin.script.toString('hex'))!;
      const priv = Buffer.from(key.priv, 'hex');
      const hash = tx.hashForSignature(i, coin.script, Transaction.SIGHASH_ALL);
      const sig = secp256k1.sign(hash, priv, { lowS: true }).toCompactRawBytes();
      const input = payments.p2pkh({
        pubkey: secp256k1.getPublicKey(priv, true),
        signature: bscript.signature.encode(sig, Transaction.SIGHASH_ALL),
        network: this.network,
      }).input!;
      tx.setInputScript(i, input);
    });
  }

  private save(): void {
    writeDurably(this.path, `${JSON.stringify(this.data, null, 2)}\n`);
  }

  /** The P2PKH script of one of the wallet's own addresses. */
  private scriptOf(address: string): Buffer {
    return Buffer.from(payments.p2pkh({ address, network: this.network }).output!);
  }
}
