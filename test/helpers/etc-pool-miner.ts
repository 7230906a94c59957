import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { EthNodeClient } from '../../adapters/rpc/eth-node-client.js';
import {
  buildEtchashCache,
  type EtchashEpoch,
  etchashEpoch,
  ethashSeed,
  hashimotoLight,
  hashValue,
} from '../../fargate/src/hashing/etchash.js';
import { searchEtchashDataset } from '../../fargate/src/hashing/etchash-dataset.js';
import { Arrivals } from './arrivals.js';
import { DAG_CACHE_DIR, etchashDag } from './etchash-dag.js';

/** A nonce whose etchash result meets a target: the nonce, its mix digest and result (as a miner computes them). */
export interface EtchashHit {
  nonce: bigint;
  mix: Buffer;
  result: bigint;
}

/** Finds nonces in etchash epoch 0 (the devnet stays below block 60,000): the first hit from `start` on, or null. */
export interface EtchashSearcher {
  readonly full: boolean;
  search(header: Buffer, start: bigint, count: number, target: bigint): Promise<EtchashHit | null>;
}

const EPOCH0: EtchashEpoch = etchashEpoch(0, 0);
export const EPOCH0_SEED = ethashSeed(0).toString('hex');

/**
 * Epoch 0's searcher: over the full dataset (microseconds a nonce, on the thread pool) when test/helpers/etchash-dag.ts
 * has one on disk (.tools/cache), else the light cache (about a millisecond a nonce, yielding to the event loop every
 * 32). Never builds the 1 GiB dataset itself: at the devnet's difficulty (256) the light cache is cheaper than that.
 */
export async function epochZeroSearcher(): Promise<EtchashSearcher> {
  const file = join(DAG_CACHE_DIR, `etchash-seed${EPOCH0.seedEpoch}-${EPOCH0.cacheBytes}-${EPOCH0.datasetBytes}.dag`);
  if (existsSync(file)) {
    const { cache, dataset } = await etchashDag(EPOCH0);
    return {
      full: true,
      async search(header, start, count, target) {
        const hit = await searchEtchashDataset(dataset, EPOCH0.datasetBytes, header, start, count, target);
        if (!hit) return null;
        // The light cache gives the same mix: checked, so a bad dataset cannot pass for a good one.
        const light = hashimotoLight(cache, header, hit.nonce);
        if (!light.mix.equals(hit.mix)) throw new Error('the cached dataset disagrees with the light cache');
        return { nonce: hit.nonce, mix: hit.mix, result: hashValue(hit.result) };
      },
    };
  }
  const cache = await buildEtchashCache(EPOCH0);
  return {
    full: false,
    async search(header, start, count, target) {
      for (let i = 0; i < count; i++) {
        const nonce = BigInt.asUintN(64, start + BigInt(i));
        const { mix, result } = hashimotoLight(cache, header, nonce);
        const value = hashValue(result);
        if (value <= target) return { nonce, mix, result: value };
        if (i % 32 === 31) await new Promise((r) => setImmediate(r));
      }
      return null;
    },
  };
}

/** Mines one block on a node's own work (eth_getWork → eth_submitWork), waiting until the node's head is it. */
export async function mineNodeBlock(node: EthNodeClient, searcher: EtchashSearcher): Promise<number> {
  for (;;) {
    const work = await node.getWork();
    const header = Buffer.from(work.headerHash.slice(2), 'hex');
    const hit = await findNonce(searcher, header, BigInt(work.target), randomStart());
    if (!(await node.submitWork(hex64(hit.nonce), work.headerHash, `0x${hit.mix.toString('hex')}`))) continue;
    const deadline = Date.now() + 10_000;
    while ((await node.blockNumber()) < work.blockNumber) {
      if (Date.now() > deadline) throw new Error(`block ${work.blockNumber} not on the node after its seal`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return work.blockNumber;
  }
}

async function findNonce(searcher: EtchashSearcher, header: Buffer, target: bigint, start: bigint) {
  for (let at = start; ; at += 4096n) {
    const hit = await searcher.search(header, at, 4096, target);
    if (hit) return hit;
  }
}

const randomStart = () => BigInt(Math.floor(Math.random() * 2 ** 40)) << 12n;
const hex64 = (n: bigint) => `0x${n.toString(16).padStart(16, '0')}`;

/** The work a pool gave the miner: seal hash, seed, the share boundary, and a tag that changes with each job. */
interface PoolWork {
  header: string;
  seed: string;
  boundary: bigint;
  jobId: string;
}

/** A share the miner sent and what the pool answered. */
export interface SentShare {
  header: string;
  nonce: bigint;
  mix: string;
  result: bigint;
  accepted: boolean;
  error?: unknown;
}

interface Message {
  id?: unknown;
  method?: string;
  params?: unknown[];
  result?: unknown;
  error?: unknown;
}

/**
 * An etchash miner in test code that speaks what GPU miners speak to a pool: EthProxy (eth_submitLogin, eth_getWork,
 * eth_submitWork with the mix; work pushed as id-0 results) or EthereumStratum/1.0.0 (mining.subscribe → extranonce,
 * set_difficulty in 2^32 units, notify, mining.submit with the miner's part of the nonce and no mix). It hashes with
 * the real etchash of epoch 0 and submits shares until one is a block.
 */
export class EtcPoolMiner {
  readonly sent: SentShare[] = [];
  private readonly messages: Message[] = [];
  private readonly arrivals = new Arrivals(() => this.closed);
  private work: PoolWork | undefined;
  private nextId = 10;
  private buffer = '';
  private closed = false;
  /** ES/1: the pool's extranonce (hex), the nonce's first bytes. */
  private extranonce = '';
  private next = randomStart();

  private constructor(
    private readonly socket: Socket,
    readonly dialect: 'ethproxy' | 'ethereumstratum',
    private readonly searcher: EtchashSearcher,
    /** `address.worker`: EthProxy's login, ES/1's authorized worker that each mining.submit names. */
    private readonly login: string,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (line.trim()) this.onMessage(JSON.parse(line) as Message);
      }
    });
    socket.on('close', () => {
      this.closed = true;
      this.arrivals.arrived();
    });
  }

  /** Connects and logs in (`address.worker`) in the dialect, then waits for the first work. */
  static async connect(
    port: number,
    login: string,
    dialect: 'ethproxy' | 'ethereumstratum',
    searcher: EtchashSearcher,
  ): Promise<EtcPoolMiner> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    const miner = new EtcPoolMiner(socket, dialect, searcher, login);
    if (dialect === 'ethproxy') {
      const login1 = await miner.request('eth_submitLogin', [login, 'x'], { jsonrpc: '2.0' });
      if (login1.result !== true) throw new Error(`login refused: ${JSON.stringify(login1)}`);
      const work = await miner.request('eth_getWork', [], { jsonrpc: '2.0' });
      miner.takeProxyWork(work.result);
    } else {
      const sub = await miner.request('mining.subscribe', ['EdgepoolTestMiner/1.0', 'EthereumStratum/1.0.0']);
      const [notify, extranonce] = sub.result as [[string, string, string], string];
      if (notify[2] !== 'EthereumStratum/1.0.0') throw new Error(`not ES/1: ${JSON.stringify(sub)}`);
      miner.extranonce = extranonce;
      const auth = await miner.request('mining.authorize', [login, 'x']);
      if (auth.result !== true) throw new Error(`authorize refused: ${JSON.stringify(auth)}`);
    }
    await miner.arrivals.until(() => miner.work !== undefined, 'the first work', 10_000);
    return miner;
  }

  /** The seal hash and seed of the work in hand (0x-less hex). */
  current(): PoolWork {
    return this.work!;
  }

  /**
   * Hashes the current work and submits every share found, until one meets `networkTarget` (a block); then waits
   * for the pool's next work (the chain moved on) and returns that block's share.
   */
  async mineBlock(networkTarget: bigint): Promise<SentShare> {
    for (;;) {
      const share = await this.submitShare();
      if (share.accepted && share.result <= networkTarget) {
        // The next block's work may come before or after the answer to the submit.
        await this.arrivals.until(() => this.work!.header !== share.header, 'new work', 15_000);
        return share;
      }
    }
  }

  /** Finds one share of the current work (its boundary) and submits it. */
  async submitShare(): Promise<SentShare> {
    const work = this.work!;
    if (work.seed !== EPOCH0_SEED) throw new Error(`work of another epoch (seed ${work.seed})`);
    const header = Buffer.from(work.header, 'hex');
    let hit: EtchashHit | null = null;
    while (!hit) {
      hit = await this.searcher.search(header, this.nonceAt(this.next), 4096, work.boundary);
      this.next = hit ? this.counterOf(hit.nonce) + 1n : this.next + 4096n;
    }
    const mix = hit.mix.toString('hex');
    const answer =
      this.dialect === 'ethproxy'
        ? await this.request('eth_submitWork', [hex64(hit.nonce), `0x${work.header}`, `0x${mix}`], {
            jsonrpc: '2.0',
          })
        : await this.request('mining.submit', [
            this.login,
            work.jobId,
            hit.nonce.toString(16).padStart(16, '0').slice(this.extranonce.length),
          ]);
    const share: SentShare = {
      header: work.header,
      nonce: hit.nonce,
      mix,
      result: hit.result,
      accepted: answer.result === true,
      ...(answer.error ? { error: answer.error } : {}),
    };
    this.sent.push(share);
    return share;
  }

  close(): void {
    this.socket.destroy();
  }

  /** ES/1: the extranonce fixes the nonce's first bytes; the miner counts in the rest. */
  private nonceAt(counter: bigint): bigint {
    if (!this.extranonce) return BigInt.asUintN(64, counter);
    const free = BigInt(64 - this.extranonce.length * 4);
    return (BigInt(`0x${this.extranonce}`) << free) | BigInt.asUintN(Number(free), counter);
  }

  private counterOf(nonce: bigint): bigint {
    if (!this.extranonce) return nonce;
    return BigInt.asUintN(64 - this.extranonce.length * 4, nonce);
  }

  /** Sends one request as the miner's dialect writes it (a test's own, e.g. a share the pool must refuse); its answer. */
  async request(method: string, params: unknown[], extra: object = {}): Promise<Message> {
    const id = this.nextId++;
    this.socket.write(`${JSON.stringify({ id, method, params, ...extra })}\n`);
    const answer = () => this.messages.find((m) => m.id === id && m.method === undefined);
    await this.arrivals.until(() => answer() !== undefined, `the answer to ${method}`, 20_000);
    return answer()!;
  }

  private onMessage(m: Message): void {
    this.messages.push(m);
    if (this.dialect === 'ethproxy' && m.id === 0 && Array.isArray(m.result)) this.takeProxyWork(m.result);
    if (m.method === 'mining.set_difficulty') this.es1Difficulty = Number(m.params![0]);
    if (m.method === 'mining.notify') {
      const [jobId, seed, header] = m.params as [string, string, string, boolean];
      // ES/1 difficulty d stands for d × 2^32 hashes: boundary 2^256 / (d × 2^32).
      const hashes = BigInt(Math.round(this.es1Difficulty * 2 ** 32));
      this.setWork({ header, seed, boundary: (1n << 256n) / hashes, jobId });
    }
    this.arrivals.arrived();
  }

  private es1Difficulty = 1;

  private takeProxyWork(result: unknown): void {
    const [header, seed, boundary] = result as [string, string, string, string?];
    this.setWork({ header: header.slice(2), seed: seed.slice(2), boundary: BigInt(boundary), jobId: header });
  }

  private setWork(work: PoolWork): void {
    this.work = work;
  }
}
