import { DaemonError } from '../../core/errors.js';
import { describeFetchError, jsonRpcResult } from './json-rpc.js';

/** An Ethereum-family node's HTTP JSON-RPC endpoint (core-geth). Credentials only for a node behind a proxy. */
export interface EthNodeEndpoint {
  url: string;
  user?: string;
  password?: string;
}

/**
 * What eth_getWork hands out (core-geth consensus/ethash/sealer.go `makeWork`): the seal hash the miner hashes, the
 * seed hash of the block's etchash epoch, the block's target (2^256 / difficulty) and its number. All 0x hex,
 * lower case, 32 bytes each.
 */
export interface EthWorkPackage {
  headerHash: string;
  seedHash: string;
  target: string;
  blockNumber: number;
}

/** The fields of eth_getBlockByNumber / eth_getBlockByHash the pool reads (hashes and uncles, no transactions). */
export interface EthBlockHeader {
  number: number;
  hash: string;
  parentHash: string;
  miner: string;
  difficulty: bigint;
  nonce: string;
  mixHash: string;
  timestamp: number;
  uncles: string[];
}

const HASH = /^0x[0-9a-f]{64}$/;
const SUBMIT_TIMEOUT_MS = 15_000;

/**
 * A core-geth node over JSON-RPC 2.0 (HTTP POST). geth refuses JSON-RPC 1.0 requests, which the Bitcoin family's
 * DaemonClient sends. Every failure — connection refused, timeout, HTTP status, an answer that is not JSON-RPC, an
 * RPC error object — is a DaemonError naming the method and the node (never the credentials); an RPC error carries
 * its code (a node that is up but refused).
 */
export class EthNodeClient {
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private id = 0;

  constructor(
    readonly endpoint: EthNodeEndpoint,
    private readonly timeoutMs = 5_000,
  ) {
    const u = new URL(endpoint.url);
    u.username = '';
    u.password = '';
    this.url = u.toString();
    this.headers = { 'content-type': 'application/json' };
    if (endpoint.user) {
      const token = Buffer.from(`${endpoint.user}:${endpoint.password ?? ''}`).toString('base64');
      this.headers.authorization = `Basic ${token}`;
    }
  }

  /** The node's URL without credentials, for logs and errors. */
  get name(): string {
    const u = new URL(this.endpoint.url);
    return `${u.protocol}//${u.host}`;
  }

  async call<T>(method: string, params: unknown[] = [], timeoutMs = this.timeoutMs): Promise<T> {
    const fail = (why: string, rpcCode?: number, cause?: unknown) =>
      new DaemonError(`${method} on ${this.name}: ${why}`, rpcCode, { cause });
    const body = JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params });
    let status: number;
    let text: string;
    try {
      // fetch keeps connections alive between calls (undici's pool): a poll every 100 ms reuses one socket.
      const res = await fetch(this.url, {
        method: 'POST',
        headers: this.headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      const why = (err as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : describeFetchError(err);
      throw fail(why, undefined, err);
    }
    return jsonRpcResult<T>(status, text, fail);
  }

  /**
   * eth_getWork. core-geth answers a 4th element, the block number; a node without it (go-ethereum before 1.9) is
   * refused rather than guessed at. A node that is not mining answers an RPC error ("no mining work available yet").
   */
  async getWork(): Promise<EthWorkPackage> {
    const work = await this.call<unknown>('eth_getWork');
    return parseWork(work, `eth_getWork on ${this.name}`);
  }

  /** eth_submitWork(nonce 8 bytes, seal hash, mix digest): true when the node took the seal (a block, or stale). */
  async submitWork(nonce: string, headerHash: string, mixDigest: string): Promise<boolean> {
    // At least SUBMIT_TIMEOUT_MS: the node checks the seal with its light cache, which it builds at the first
    // submission of an epoch (seconds), and a found block is worth waiting for.
    const timeoutMs = Math.max(this.timeoutMs, SUBMIT_TIMEOUT_MS);
    const accepted = await this.call<unknown>('eth_submitWork', [nonce, headerHash, mixDigest], timeoutMs);
    if (typeof accepted !== 'boolean') {
      throw new DaemonError(`eth_submitWork on ${this.name}: answered ${JSON.stringify(accepted)}, not a boolean`);
    }
    return accepted;
  }

  async blockNumber(): Promise<number> {
    return hexNumber(await this.call<string>('eth_blockNumber'), 'eth_blockNumber');
  }

  async chainId(): Promise<bigint> {
    return BigInt(await this.call<string>('eth_chainId'));
  }

  /** A block by number or tag ('latest', 'pending'), or null when the node has none there. */
  async getBlockByNumber(block: number | 'latest' | 'pending'): Promise<EthBlockHeader | null> {
    const tag = typeof block === 'number' ? `0x${block.toString(16)}` : block;
    const raw = await this.call<Record<string, unknown> | null>('eth_getBlockByNumber', [tag, false]);
    return raw === null ? null : parseBlock(raw);
  }
}

/** Checks and normalises a work package (from eth_getWork or a --miner.notify push). */
export function parseWork(work: unknown, from: string): EthWorkPackage {
  if (!Array.isArray(work) || work.length < 4) {
    throw new DaemonError(`${from}: expected [headerHash, seedHash, target, blockNumber], got ${short(work)}`);
  }
  const [headerHash, seedHash, target, number] = work.map((w) => (typeof w === 'string' ? w.toLowerCase() : w));
  for (const [name, value] of [
    ['header hash', headerHash],
    ['seed hash', seedHash],
    ['target', target],
  ] as const) {
    if (typeof value !== 'string' || !HASH.test(value)) throw new DaemonError(`${from}: bad ${name} ${short(value)}`);
  }
  if (BigInt(target as string) === 0n) throw new DaemonError(`${from}: target is zero`);
  return {
    headerHash: headerHash as string,
    seedHash: seedHash as string,
    target: target as string,
    blockNumber: hexNumber(number, from),
  };
}

function parseBlock(raw: Record<string, unknown>): EthBlockHeader {
  const str = (k: string) => String(raw[k] ?? '');
  return {
    number: hexNumber(raw.number, 'block number'),
    hash: str('hash'),
    parentHash: str('parentHash'),
    miner: str('miner'),
    difficulty: BigInt(str('difficulty') || '0x0'),
    nonce: str('nonce'),
    mixHash: str('mixHash'),
    timestamp: hexNumber(raw.timestamp, 'block timestamp'),
    uncles: Array.isArray(raw.uncles) ? raw.uncles.map(String) : [],
  };
}

function hexNumber(value: unknown, what: string): number {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,13}$/.test(value)) {
    throw new DaemonError(`${what}: not a hex quantity ${short(value)}`);
  }
  return Number.parseInt(value.slice(2), 16);
}

function short(value: unknown): string {
  return JSON.stringify(value)?.slice(0, 80) ?? String(value);
}
