import { join } from 'node:path';
import { Transaction } from 'bitcoinjs-lib';
import { decodeAuxPow } from '../../../core/auxpow/auxpow.js';
import type { ParentPowHash } from '../../../core/auxpow/verify.js';
import { buildCoinbase, joinCoinbase } from '../../../core/chain/coinbase.js';
import { bigIntToHash, hashToBigInt } from '../../../core/chain/hash.js';
import { serializeHeader } from '../../../core/chain/header.js';
import { bitsToTarget } from '../../../core/chain/target.js';
import type { Logger } from '../../../core/ports/logger.js';
import { blockHash, type DogeBlock, parseBlock, serializeBlock, txHash, txMerkleRoot } from './block.js';
import { type ChainEntry, DogeChain, display, outpointKey, Rejected } from './chain.js';
import { AUXPOW_START_HEIGHT, auxVersion, BLOCK_SUBSIDY, minedVersion, type StandinChain } from './params.js';
import { BlockFile } from './store.js';
import { Wallet } from './wallet.js';

/** An RPC error as Dogecoin Core answers it: its code and message. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Core's codes used here. */
export const RPC = {
  MISC: -1,
  TYPE: -3,
  INVALID_ADDRESS_OR_KEY: -5,
  WALLET_INSUFFICIENT_FUNDS: -6,
  INVALID_PARAMETER: -8,
  DESERIALIZATION: -22,
  VERIFY_REJECTED: -26,
  METHOD_NOT_FOUND: -32601,
} as const;

export interface StandinNodeOptions {
  /** Holds blocks.dat and wallet.json. */
  dir: string;
  /** The parent's PoW hash for AuxPoW and the block's own for self-mined blocks: Litecoin/Dogecoin scrypt. */
  powHash: ParentPowHash;
  /** Compact bits of every block (default regtest's 0x207fffff; harder in tests, so that a weak parent fails). */
  bits: number;
  /** Milliseconds since the epoch; tests move it to pass the 60 s template rule. */
  now: () => number;
  log: Pick<Logger, 'info' | 'warn'>;
  /** The chain it plays: DOGE by default (params.ts DOGE_STANDIN), or another AuxPoW chain's id and addresses. */
  chain?: StandinChain;
}

interface MempoolEntry {
  tx: Transaction;
  fee: bigint;
  time: number;
}

/** The template state createauxblock keeps (Namecoin's and Dogecoin's AuxpowMiner). */
interface AuxMinerState {
  /** Every block handed out since the tip last changed, by display hash: what submitauxblock can complete. */
  blocks: Map<string, DogeBlock>;
  /** The current block per payout script. */
  current: Map<string, DogeBlock>;
  tipHash: string;
  mempoolUpdates: number;
  /** Milliseconds. */
  startTime: number;
}

/**
 * The stand-in DOGE node: its chain on disk, a mempool, one wallet, and the aux-mining template cache. This is
 * the project's STAND-IN for dogecoind on the devnet (no Dogecoin node can be installed here), not Dogecoin Core.
 */
export class StandinNode {
  readonly chain: DogeChain;
  readonly wallet: Wallet;
  readonly mempool = new Map<string, MempoolEntry>();
  /** Outpoints spent by mempool transactions. */
  readonly mempoolSpent = new Set<string>();
  /** Counts mempool changes (Core's GetTransactionsUpdated). */
  private mempoolUpdates = 0;
  /** Called after each block joins the chain (getblocktemplate's long polls wait on it). */
  private readonly tipListeners = new Set<() => void>();
  private extraNonce = 0;
  private aux: AuxMinerState;
  private readonly blocks: BlockFile;

  constructor(private readonly opts: StandinNodeOptions) {
    this.chain = new DogeChain(opts.powHash, opts.bits, opts.chain);
    this.blocks = new BlockFile(join(opts.dir, 'blocks.dat'));
    const stored = this.blocks.load();
    for (const [i, raw] of stored.entries()) {
      try {
        this.chain.connect(parseBlock(raw));
      } catch (err) {
        opts.log.warn(
          { height: i + 1, kept: i, err: (err as Error).message },
          'doge stand-in: a stored block fails the rules; the chain is cut back before it',
        );
        this.blocks.keep(i);
        break;
      }
    }
    this.wallet = new Wallet(join(opts.dir, 'wallet.json'), this.chain.params.network);
    // Like a wallet's rebroadcast: its unconfirmed transactions go back into the (new, empty) mempool.
    for (const [txid, record] of Object.entries(this.wallet.sent)) {
      if (this.chain.txIndex.has(txid)) continue;
      try {
        this.acceptToMempool(Transaction.fromHex(record.hex), record.time);
      } catch (err) {
        opts.log.warn({ txid, err: (err as Error).message }, 'doge stand-in: a wallet transaction cannot return');
      }
    }
    this.aux = this.freshAuxState();
  }

  get now(): number {
    return this.opts.now();
  }

  /** How many times the mempool changed (Core's GetTransactionsUpdated): a template's longpollid carries it. */
  get transactionsUpdated(): number {
    return this.mempoolUpdates;
  }

  /** Calls `listener` after each new tip; returns the unsubscribe. */
  onTip(listener: () => void): () => void {
    this.tipListeners.add(listener);
    return () => this.tipListeners.delete(listener);
  }

  /** Puts a transaction in the mempool after checking its inputs against the chain and the mempool. */
  acceptToMempool(tx: Transaction, time = Math.floor(this.now / 1000)): string {
    const txid = display(txHash(tx));
    if (this.mempool.has(txid) || this.chain.txIndex.has(txid)) {
      throw new Rejected('txn-already-known', `${txid} is already known`);
    }
    const fee = this.chain.fee(tx, this.chain.height + 1, this.mempoolSpent);
    this.mempool.set(txid, { tx, fee, time });
    for (const i of tx.ins) this.mempoolSpent.add(outpointKey(display(Buffer.from(i.hash)), i.index));
    this.mempoolUpdates++;
    return txid;
  }

  /** A new block on the tip paying `script` subsidy + the fees of every mempool transaction it carries. */
  newBlock(script: Buffer, version: number): DogeBlock {
    const height = this.chain.height + 1;
    const txs = [...this.mempool.values()];
    const fees = txs.reduce((s, e) => s + e.fee, 0n);
    const extranonce = Buffer.alloc(4);
    extranonce.writeUInt32LE(++this.extraNonce >>> 0);
    const parts = buildCoinbase({
      height,
      outputs: [{ value: BLOCK_SUBSIDY + fees, script }],
      tag: Buffer.from('/edgepool-doge-standin/'),
      extranonce1Size: 4,
      extranonce2Size: 0,
    });
    const coinbase = Transaction.fromHex(joinCoinbase(parts, extranonce.toString('hex'), '').toString('hex'));
    const all = [coinbase, ...txs.map((e) => e.tx)];
    const header = serializeHeader({
      version,
      prevHash: this.chain.tip.hash,
      merkleRoot: txMerkleRoot(all),
      ntime: Math.max(Math.floor(this.now / 1000), this.chain.medianTimePast() + 1),
      bits: this.chain.bits,
      nonce: 0,
    });
    return { header, txs: all };
  }

  /** Mines n blocks paying `script` itself: no AuxPoW, the header's own scrypt ground against the bits. */
  mine(n: number, script: Buffer): string[] {
    const target = bitsToTarget(this.chain.bits);
    const hashes: string[] = [];
    for (let i = 0; i < n; i++) {
      const block = this.newBlock(script, minedVersion(this.chain.params.chainId));
      for (let nonce = 0; hashToBigInt(this.opts.powHash(block.header)) > target; nonce++) {
        if (nonce > 0xffffffff) throw new Error('no nonce meets the bits; mine with another extranonce');
        block.header.writeUInt32LE(nonce, 76);
      }
      hashes.push(display(this.accept(block).hash));
    }
    return hashes;
  }

  /** A block joins the chain (after every rule), on disk first, then the mempool forgets what it carried. */
  accept(block: DogeBlock): ChainEntry {
    const entry = this.chain.connect(block);
    this.blocks.append(serializeBlock(block));
    for (const tx of block.txs) this.dropFromMempool(display(txHash(tx)));
    // Conflicts: a mempool transaction whose input a block spent can never confirm.
    for (const [txid, e] of this.mempool) {
      if (e.tx.ins.some((i) => !this.chain.utxos.has(outpointKey(display(Buffer.from(i.hash)), i.index)))) {
        this.dropFromMempool(txid);
      }
    }
    this.opts.log.info(
      { height: entry.height, hash: display(entry.hash), auxpow: block.auxpow !== undefined, txs: block.txs.length },
      'doge stand-in: block accepted',
    );
    for (const listener of this.tipListeners) listener();
    return entry;
  }

  private dropFromMempool(txid: string): void {
    const e = this.mempool.get(txid);
    if (!e) return;
    this.mempool.delete(txid);
    for (const i of e.tx.ins) this.mempoolSpent.delete(outpointKey(display(Buffer.from(i.hash)), i.index));
    this.mempoolUpdates++;
  }

  /**
   * createauxblock: the current block for this payout script, made anew only when there is none for it, the tip
   * changed (then every block handed out before is forgotten), or the mempool changed and the last block was made
   * more than 60 s ago (Dogecoin's AuxpowMiner::getCurrentBlock).
   */
  createAuxBlock(script: Buffer) {
    if (this.chain.height + 1 < AUXPOW_START_HEIGHT) {
      throw new RpcError(RPC.METHOD_NOT_FOUND, 'getauxblock method is not yet available');
    }
    const key = script.toString('hex');
    const tipHash = display(this.chain.tip.hash);
    let block = this.aux.current.get(key);
    const tipChanged = tipHash !== this.aux.tipHash;
    const mempoolStale = this.mempoolUpdates !== this.aux.mempoolUpdates && this.now - this.aux.startTime > 60_000;
    if (!block || tipChanged || mempoolStale) {
      if (tipChanged) this.aux = this.freshAuxState();
      block = this.newBlock(script, auxVersion(this.chain.params.chainId));
      this.aux.mempoolUpdates = this.mempoolUpdates;
      this.aux.startTime = this.now;
      this.aux.blocks.set(display(blockHash(block)), block);
      this.aux.current.set(key, block);
    }
    const target = bitsToTarget(this.chain.bits);
    return {
      hash: display(blockHash(block)),
      chainid: this.chain.params.chainId,
      previousblockhash: tipHash,
      coinbasevalue: Number(block.txs[0]!.outs.reduce((s, o) => s + o.value, 0n)),
      bits: this.chain.bits.toString(16).padStart(8, '0'),
      height: this.chain.height + 1,
      // "target in reversed byte order": the 32 bytes little-endian, as Dogecoin answers it.
      target: bigIntToHash(target).toString('hex'),
    };
  }

  /**
   * submitauxblock: the block handed out under `hash` with this AuxPoW. An unknown hash is an RPC error (as
   * Dogecoin's); a proof or block that fails is `false` with the reason logged; `true` once it is on the chain.
   */
  submitAuxBlock(hash: string, auxpowHex: string): boolean {
    const block = this.aux.blocks.get(hash.toLowerCase());
    if (!block) throw new RpcError(RPC.INVALID_PARAMETER, 'block hash unknown');
    let auxpow: ReturnType<typeof decodeAuxPow>;
    try {
      auxpow = decodeAuxPow(auxpowHex);
    } catch (err) {
      this.opts.log.warn({ hash, err: (err as Error).message }, 'doge stand-in: submitauxblock refused');
      throw new RpcError(RPC.DESERIALIZATION, (err as Error).message);
    }
    try {
      this.accept({ ...block, auxpow });
      return true;
    } catch (err) {
      if (!(err instanceof Rejected)) throw err;
      this.opts.log.warn({ hash, reason: err.rule, err: err.message }, 'doge stand-in: submitauxblock refused');
      return false;
    }
  }

  private freshAuxState(): AuxMinerState {
    return {
      blocks: new Map(),
      current: new Map(),
      tipHash: display(this.chain.tip.hash),
      mempoolUpdates: this.mempoolUpdates,
      startTime: this.now,
    };
  }
}
