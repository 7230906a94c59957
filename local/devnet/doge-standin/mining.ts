import { script as bscript, type Transaction } from 'bitcoinjs-lib';
import { parseHeader } from '../../../core/chain/header.js';
import { bitsToTarget } from '../../../core/chain/target.js';
import type { Logger } from '../../../core/ports/logger.js';
import { blockHash, type DogeBlock, parseBlock } from './block.js';
import { type ChainEntry, display, Rejected } from './chain.js';
import { RPC, RpcError, type StandinNode } from './node.js';
import { BLOCK_SUBSIDY, minedVersion } from './params.js';

/**
 * getblocktemplate and submitblock as Dogecoin Core 1.14 serves them (src/rpc/mining.cpp, Bitcoin Core 0.14's code
 * with Dogecoin's block version): a DOGE block mined on its own, without AuxPoW — the chain id 98 in its version, no
 * AuxPoW flag, its own scrypt hash meeting its bits — as the stand-in's generatetoaddress blocks are. Differences
 * from dogecoind, on purpose: it answers a template with no peer connected (dogecoind answers -9 "Dogecoin is not
 * connected!" even on regtest: a real devnet needs a second node, as litecoind does), and it keeps no side branch
 * (a valid block on an older block answers "inconclusive", as Core's does, but is not stored, so no reorg follows).
 */

/** Core 0.14 pre-segwit: MAX_BLOCK_SIGOPS_COST / WITNESS_SCALE_FACTOR. */
const SIGOP_LIMIT = 20_000;
/** MAX_BLOCK_BASE_SIZE. */
const SIZE_LIMIT = 1_000_000;
/** Core's MAX_FUTURE_BLOCK_TIME: a block's time may be up to 2 hours ahead. */
const MAX_FUTURE_SECONDS = 2 * 60 * 60;
/** Core rebuilds a template for a changed mempool only when the last one is older than this. */
const TEMPLATE_REFRESH_SECONDS = 5;
/** A long poll answers a mempool change after a minute, then checks every 10 s (getblocktemplate's `checktxtime`). */
const LONG_POLL_MEMPOOL_MS = 60_000;
const LONG_POLL_RECHECK_MS = 10_000;

interface CachedTemplate {
  tip: ChainEntry;
  /** The mempool change count it was made at (the longpollid's tail). */
  updates: number;
  /** Seconds, the node's clock. */
  made: number;
  txs: { tx: Transaction; txid: string; fee: bigint }[];
}

export class StandinMining {
  private cached: CachedTemplate | undefined;
  /** Valid blocks on an older block: answered "inconclusive" once, "duplicate" after (not stored). */
  private readonly sideBlocks = new Set<string>();

  constructor(
    private readonly node: StandinNode,
    private readonly log: Pick<Logger, 'info' | 'warn'>,
  ) {}

  /**
   * getblocktemplate ( {"mode", "rules", "longpollid", "data"} ). No BIP9 deployment is ever active on Dogecoin 1.14
   * (its fixed version 4 cannot signal), so `rules` changes nothing: [] and ["segwit"] get the same template, with
   * `rules: []` and no default_witness_commitment. A `longpollid` waits for a new tip, or a mempool change after a
   * minute. Proposal mode (BIP23) checks a block without keeping it.
   */
  async getBlockTemplate(params: unknown[]): Promise<unknown> {
    if (params.length > 1) throw new RpcError(RPC.MISC, 'getblocktemplate ( TemplateRequest )\n');
    const request = params.length === 0 ? {} : object(params[0]);
    const mode = request.mode ?? 'template';
    if (typeof mode !== 'string') throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid mode');
    if (mode === 'proposal') return this.propose(request.data);
    if (Array.isArray(request.rules)) for (const rule of request.rules) jsonString(rule);
    if (mode !== 'template') throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid mode');
    const longpollid = request.longpollid;
    if (longpollid !== undefined && longpollid !== null) await this.waitForChange(longpollid);
    return this.answer(this.template());
  }

  /** submitblock "hexdata" ( "parameters" ): BIP22's null, "duplicate", "inconclusive" or Core's reject reason. */
  submitBlock(params: unknown[]): string | null {
    if (params.length < 1 || params.length > 2) {
      throw new RpcError(RPC.MISC, 'submitblock "hexdata" ( "jsonparametersobject" )\n');
    }
    const block = decodeBlock(params[0]);
    const hash = display(blockHash(block));
    if (this.node.chain.heightOf(hash) !== undefined || this.sideBlocks.has(hash)) return 'duplicate';
    try {
      const parent = this.validate(block);
      if (parent !== this.node.chain.tip) {
        this.sideBlocks.add(hash);
        this.log.info({ hash, prev: display(parent.hash) }, 'doge stand-in: submitblock on an older block (not kept)');
        return 'inconclusive';
      }
      this.node.accept(block);
      return null;
    } catch (err) {
      if (!(err instanceof Rejected)) throw err;
      this.log.warn(
        { hash, reason: err.reason, rule: err.rule, err: err.message },
        'doge stand-in: submitblock refused',
      );
      return err.reason;
    }
  }

  /**
   * Core's order: the rules that need no chain (PoW, merkle root, coinbase), the previous block known, the rules on
   * it and the time; on the tip, `accept` then checks every input and the coinbase's value. Returns the parent.
   */
  private validate(block: DogeBlock): ChainEntry {
    const chain = this.node.chain;
    chain.checkBlock(block);
    const fields = parseHeader(block.header);
    const parent = chain.entry(display(fields.prevHash));
    if (!parent) throw new Rejected('bad-prevblk', `previous block ${display(fields.prevHash)} not found`);
    if (fields.ntime > this.nowSeconds() + MAX_FUTURE_SECONDS) {
      throw new Rejected('time-too-new', 'block timestamp too far in the future');
    }
    chain.checkOn(block, parent);
    return parent;
  }

  /** BIP23 proposal: checks a block on the tip without keeping it (Core's TestBlockValidity). */
  private propose(data: unknown): string | null {
    if (typeof data !== 'string') throw new RpcError(RPC.TYPE, 'Missing data String key for proposal');
    const block = decodeBlock(data);
    const hash = display(blockHash(block));
    if (this.node.chain.heightOf(hash) !== undefined) return 'duplicate';
    if (!parseHeader(block.header).prevHash.equals(this.node.chain.tip.hash)) return 'inconclusive-not-best-prevblk';
    try {
      this.validate(block);
      this.node.chain.checkInputs(block);
      return null;
    } catch (err) {
      if (err instanceof Rejected) return err.reason;
      throw err;
    }
  }

  /** Core's cached template: made anew on a new tip, or on a mempool change once it is 5 s old. */
  private template(): CachedTemplate {
    const { node } = this;
    const now = this.nowSeconds();
    const cached = this.cached;
    const stale =
      !cached ||
      cached.tip !== node.chain.tip ||
      (cached.updates !== node.transactionsUpdated && now - cached.made > TEMPLATE_REFRESH_SECONDS);
    if (!stale) return cached;
    const made: CachedTemplate = {
      tip: node.chain.tip,
      updates: node.transactionsUpdated,
      made: now,
      txs: [...node.mempool].map(([txid, e]) => ({ tx: e.tx, txid, fee: e.fee })),
    };
    this.cached = made;
    return made;
  }

  private answer(t: CachedTemplate) {
    const chain = this.node.chain;
    const mintime = chain.medianTimePast(t.tip.height) + 1;
    const fees = t.txs.reduce((s, e) => s + e.fee, 0n);
    return {
      capabilities: ['proposal'],
      // Dogecoin's miner: base version 4 with the chain id, no AuxPoW flag (0x00620004).
      version: minedVersion(chain.params.chainId),
      rules: [],
      vbavailable: {},
      vbrequired: 0,
      previousblockhash: display(t.tip.hash),
      transactions: t.txs.map(({ tx, txid, fee }) => ({
        data: tx.toHex(),
        txid,
        // No witness in Dogecoin 1.14: the witness hash is the txid.
        hash: txid,
        // Only confirmed coins enter the stand-in's mempool: no transaction depends on another.
        depends: [],
        fee: Number(fee),
        sigops: legacySigOps(tx),
        weight: tx.byteLength() * 4,
      })),
      coinbaseaux: { flags: '' },
      coinbasevalue: Number(BLOCK_SUBSIDY + fees),
      longpollid: `${display(t.tip.hash)}${t.updates}`,
      target: bitsToTarget(chain.bits).toString(16).padStart(64, '0'),
      mintime,
      mutable: ['time', 'transactions', 'prevblock'],
      noncerange: '00000000ffffffff',
      sigoplimit: SIGOP_LIMIT,
      sizelimit: SIZE_LIMIT,
      // Core's UpdateTime: the node's clock, never before mintime.
      curtime: Math.max(mintime, this.nowSeconds()),
      bits: chain.bits.toString(16).padStart(8, '0'),
      height: t.tip.height + 1,
    };
  }

  /**
   * A long poll: waits while the tip is the one the longpollid names, until a minute has passed and the mempool has
   * changed since it (then every 10 s). A longpollid that is not a string watches the current state.
   */
  private waitForChange(longpollid: unknown): Promise<void> {
    const { node } = this;
    const watched = typeof longpollid === 'string' ? longpollid.slice(0, 64) : display(node.chain.tip.hash);
    const updates = typeof longpollid === 'string' ? Number(longpollid.slice(64)) : node.transactionsUpdated;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      const unsubscribe = node.onTip(done);
      const check = () => {
        if (display(node.chain.tip.hash) !== watched || node.transactionsUpdated !== updates) done();
        else timer = setTimeout(check, LONG_POLL_RECHECK_MS).unref();
      };
      if (display(node.chain.tip.hash) !== watched) done();
      else timer = setTimeout(check, LONG_POLL_MEMPOOL_MS).unref();
    });
  }

  private nowSeconds(): number {
    return Math.floor(this.node.now / 1000);
  }
}

/** Core's DecodeHexBlk: hex, a whole block (with its AuxPoW when the version has the flag), nothing after. */
function decodeBlock(hex: unknown): DogeBlock {
  const text = jsonString(hex);
  try {
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(text)) throw new TypeError('not hex');
    return parseBlock(Buffer.from(text, 'hex'));
  } catch {
    throw new RpcError(RPC.DESERIALIZATION, 'Block decode failed');
  }
}

/** GetLegacySigOpCount: CHECKSIG(VERIFY) 1, CHECKMULTISIG(VERIFY) 20, in every scriptSig and scriptPubKey. */
function legacySigOps(tx: Transaction): number {
  const ops = bscript.OPS;
  let n = 0;
  for (const script of [...tx.ins.map((i) => i.script), ...tx.outs.map((o) => o.script)]) {
    for (const op of bscript.decompile(script) ?? []) {
      if (op === ops.OP_CHECKSIG || op === ops.OP_CHECKSIGVERIFY) n += 1;
      else if (op === ops.OP_CHECKMULTISIG || op === ops.OP_CHECKMULTISIGVERIFY) n += 20;
    }
  }
  return n;
}

/** UniValue's get_obj / get_str on another JSON type: -1 as dogecoind answers it. */
function object(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RpcError(RPC.MISC, 'JSON value is not an object as expected');
  }
  return value as Record<string, unknown>;
}

function jsonString(value: unknown): string {
  if (typeof value !== 'string') throw new RpcError(RPC.MISC, 'JSON value is not a string as expected');
  return value;
}
