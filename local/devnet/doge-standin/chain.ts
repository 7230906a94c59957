import type { Transaction } from 'bitcoinjs-lib';
import { type AuxPowVerdict, checkAuxBlockProofOfWork, type ParentPowHash } from '../../../core/auxpow/verify.js';
import { parseHeader } from '../../../core/chain/header.js';
import { readScriptNumberPush } from '../../../core/chain/serialize.js';
import { blockHash, type DogeBlock, genesisBlock, serializeBlock, txHash, txMerkleRoot } from './block.js';
import { AUXPOW_START_HEIGHT, BLOCK_SUBSIDY, COINBASE_MATURITY, DOGE_STANDIN, type StandinChain } from './params.js';

/**
 * The stand-in's chain: blocks in memory, the unspent outputs, and where each transaction sits. One chain, no forks
 * (nothing else mines it): a block is accepted only on the tip. Every block passes the rules below before it joins,
 * those of a block read back from disk included.
 */

export interface ChainEntry {
  block: DogeBlock;
  /** Internal byte order. */
  hash: Buffer;
  height: number;
  time: number;
  bits: number;
  size: number;
}

/** An unspent output. */
export interface Coin {
  value: bigint;
  script: Buffer;
  height: number;
  coinbase: boolean;
}

/** A block or transaction the stand-in refuses: `reason` is short and stable, as Core's reject reasons are. */
export class Rejected extends Error {
  constructor(
    /** Core's reject reason, what submitblock answers (BIP22). */
    readonly reason: string,
    message: string,
    /** The finer rule where Core's reason covers several (every failed AuxPoW or PoW check is `high-hash`). */
    readonly rule: string = reason,
  ) {
    super(`${reason}: ${message}`);
  }
}

/** Display-order hex of an internal-order hash (what RPC shows). */
export const display = (hash: Buffer): string => Buffer.from(hash).reverse().toString('hex');

export const outpointKey = (txid: string, vout: number): string => `${txid}:${vout}`;

const NULL_HASH = Buffer.alloc(32);

/** A coinbase: one input spending the null outpoint. */
export const isCoinbase = (tx: Transaction): boolean =>
  tx.ins.length === 1 && Buffer.from(tx.ins[0]!.hash).equals(NULL_HASH);

export class DogeChain {
  readonly entries: ChainEntry[] = [];
  private readonly heights = new Map<string, number>();
  readonly utxos = new Map<string, Coin>();
  /** Display txid → where it was mined. */
  readonly txIndex = new Map<string, { height: number; index: number }>();

  constructor(
    private readonly powHash: ParentPowHash,
    /** Compact bits every block carries (regtest has no retargeting). */
    readonly bits: number,
    /** The chain it plays (DOGE by default): its chain id and address versions. */
    readonly params: StandinChain = DOGE_STANDIN,
  ) {
    const genesis = genesisBlock();
    // The genesis block is not checked (its bits may differ from a harder test setting); its output is unspendable,
    // as in Bitcoin and Dogecoin.
    this.append(genesis, { spendable: false });
  }

  get tip(): ChainEntry {
    return this.entries.at(-1)!;
  }

  get height(): number {
    return this.entries.length - 1;
  }

  heightOf(hashDisplay: string): number | undefined {
    return this.heights.get(hashDisplay);
  }

  /** The median time of the last 11 blocks (a new block's time must exceed it). */
  medianTimePast(height = this.height): number {
    const times = this.entries.slice(Math.max(0, height - 10), height + 1).map((e) => e.time);
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  }

  /**
   * The fee a transaction pays, after checking that it spends only unspent outputs (not `alsoSpent`, those already
   * spent in the same block or the mempool), coinbases only when mature at `spendHeight`, and no more than it has.
   */
  fee(tx: Transaction, spendHeight: number, alsoSpent: ReadonlySet<string>): bigint {
    if (tx.ins.length === 0 || tx.outs.length === 0) throw new Rejected('bad-txns-empty', 'no inputs or outputs');
    if (isCoinbase(tx)) throw new Rejected('bad-cb-multiple', 'a coinbase outside the first position');
    let spent = 0n;
    const seen = new Set<string>();
    for (const input of tx.ins) {
      const key = outpointKey(display(Buffer.from(input.hash)), input.index);
      if (seen.has(key)) throw new Rejected('bad-txns-inputs-duplicate', `${key} spent twice`);
      seen.add(key);
      const coin = this.utxos.get(key);
      if (!coin || alsoSpent.has(key)) throw new Rejected('bad-txns-inputs-missingorspent', `${key} is not unspent`);
      if (coin.coinbase && spendHeight - coin.height < COINBASE_MATURITY) {
        throw new Rejected(
          'bad-txns-premature-spend-of-coinbase',
          `${key} of height ${coin.height} spent at height ${spendHeight}, maturity ${COINBASE_MATURITY}`,
        );
      }
      spent += coin.value;
    }
    const paid = tx.outs.reduce((s, o) => s + o.value, 0n);
    if (paid > spent) throw new Rejected('bad-txns-in-belowout', `pays ${paid}, spends ${spent}`);
    return spent - paid;
  }

  /**
   * Checks a block on the tip and joins it: checkBlock, checkOn the tip, then checkInputs (Core's ConnectBlock).
   */
  connect(block: DogeBlock): ChainEntry {
    this.checkBlock(block);
    const { prevHash } = parseHeader(block.header);
    if (!prevHash.equals(this.tip.hash)) {
      throw new Rejected('prev-blk-not-tip', `previous block ${display(prevHash)} is not the tip`);
    }
    this.checkOn(block, this.tip);
    this.checkInputs(block);
    return this.append(block, { spendable: true });
  }

  /**
   * What joining the tip checks of a block's transactions: none already in the chain (BIP30), every input unspent and
   * spent once (coinbases mature), and the coinbase paying at most subsidy + fees.
   */
  checkInputs(block: DogeBlock): void {
    const height = this.height + 1;
    const [coinbase, ...rest] = block.txs;
    for (const tx of block.txs) {
      const id = display(txHash(tx));
      if (this.txIndex.has(id)) throw new Rejected('bad-txns-BIP30', `${id} is already in the chain`);
    }
    const spent = new Set<string>();
    let fees = 0n;
    for (const tx of rest) {
      fees += this.fee(tx, height, spent);
      for (const input of tx.ins) spent.add(outpointKey(display(Buffer.from(input.hash)), input.index));
    }
    const paid = coinbase!.outs.reduce((s, o) => s + o.value, 0n);
    if (paid > BLOCK_SUBSIDY + fees) {
      throw new Rejected('bad-cb-amount', `coinbase pays ${paid} > ${BLOCK_SUBSIDY + fees}`);
    }
  }

  /**
   * The rules that need no chain, in Core's CheckBlock order: the PoW — from height 20 an AuxPoW through core/auxpow's
   * checkAuxBlockProofOfWork (Dogecoin's CheckAuxPowProofOfWork), a block without one by its own scrypt; any failure
   * is Core's `high-hash` —, the merkle root, no transaction twice, the coinbase first and only there.
   */
  checkBlock(block: DogeBlock): void {
    const fields = parseHeader(block.header);
    const pow = this.checkProofOfWork(block);
    if (!pow.ok) throw new Rejected('high-hash', pow.message, pow.reason);
    if (!txMerkleRoot(block.txs).equals(fields.merkleRoot)) throw new Rejected('bad-txnmrklroot', 'merkle root');
    const ids = new Set(block.txs.map((tx) => display(txHash(tx))));
    if (ids.size !== block.txs.length) throw new Rejected('bad-txns-duplicate', 'a transaction twice');
    const [coinbase, ...rest] = block.txs;
    if (!coinbase || !isCoinbase(coinbase)) throw new Rejected('bad-cb-missing', 'first tx is not coinbase');
    if (rest.some(isCoinbase)) throw new Rejected('bad-cb-multiple', 'more than one coinbase');
    const script = Buffer.from(coinbase.ins[0]!.script);
    if (script.length < 2 || script.length > 100) throw new Rejected('bad-cb-length', `${script.length} bytes`);
  }

  /**
   * The rules of a block on `parent` (Core's ContextualCheckBlockHeader and ContextualCheckBlock): its bits, a time
   * after the median of the last 11 blocks, no legacy version once AuxPoW started and no AuxPoW before, the BIP34
   * height in the coinbase. Returns the block's height.
   */
  checkOn(block: DogeBlock, parent: ChainEntry): number {
    const fields = parseHeader(block.header);
    const height = parent.height + 1;
    if (fields.bits !== this.bits) throw new Rejected('bad-diffbits', `bits ${fields.bits.toString(16)}`);
    if (fields.ntime <= this.medianTimePast(parent.height)) {
      throw new Rejected('time-too-old', 'block time before median time');
    }
    const isLegacy = fields.version === 1 || fields.version === 2;
    if (isLegacy && height >= AUXPOW_START_HEIGHT) {
      throw new Rejected('late-legacy-block', 'legacy block after auxpow start');
    }
    if (block.auxpow && height < AUXPOW_START_HEIGHT) {
      throw new Rejected('early-auxpow-block', `auxpow before height ${AUXPOW_START_HEIGHT}`);
    }
    let bip34: number | undefined;
    try {
      bip34 = readScriptNumberPush(Buffer.from(block.txs[0]!.ins[0]!.script)).value;
    } catch {}
    if (bip34 !== height) throw new Rejected('bad-cb-height', 'block height mismatch in coinbase');
    return height;
  }

  /** The chain's entry of a block, by display hash. */
  entry(hashDisplay: string): ChainEntry | undefined {
    const height = this.heights.get(hashDisplay);
    return height === undefined ? undefined : this.entries[height];
  }

  /**
   * Dogecoin's CheckAuxPowProofOfWork for a block (the chain id, the AuxPoW flag exactly when a proof follows, the
   * proof's commitment, the parent's scrypt against the block's bits; without a proof, the block's own scrypt): the
   * one function of core/auxpow that also verifies the real Dogecoin mainnet vectors (test/core/auxpow).
   */
  checkProofOfWork(block: Pick<DogeBlock, 'header' | 'auxpow'>): AuxPowVerdict {
    return checkAuxBlockProofOfWork(block.header, block.auxpow, this.params.chainId, this.powHash);
  }

  private append(block: DogeBlock, opts: { spendable: boolean }): ChainEntry {
    const fields = parseHeader(block.header);
    const entry: ChainEntry = {
      block,
      hash: blockHash(block),
      height: this.entries.length,
      time: fields.ntime,
      bits: fields.bits,
      size: serializeBlock(block).length,
    };
    block.txs.forEach((tx, index) => {
      const id = display(txHash(tx));
      this.txIndex.set(id, { height: entry.height, index });
      if (index > 0) for (const i of tx.ins) this.utxos.delete(outpointKey(display(Buffer.from(i.hash)), i.index));
      if (!opts.spendable) return;
      tx.outs.forEach((o, vout) => {
        this.utxos.set(outpointKey(id, vout), {
          value: o.value,
          script: Buffer.from(o.script),
          height: entry.height,
          coinbase: index === 0,
        });
      });
    });
    this.entries.push(entry);
    this.heights.set(display(entry.hash), entry.height);
    return entry;
  }

  /** A mined transaction and its block, by display txid. */
  transaction(txid: string): { tx: Transaction; entry: ChainEntry; index: number } | undefined {
    const at = this.txIndex.get(txid);
    if (!at) return undefined;
    const entry = this.entries[at.height]!;
    return { tx: entry.block.txs[at.index]!, entry, index: at.index };
  }
}
