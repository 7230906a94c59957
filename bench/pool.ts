// The real stratum front (startCoinService: DaemonPool, JobManager, StratumServer, TCP listener) on loopback, fed by
// a fake coin daemon, acknowledging shares through the real BatchingShareQueue and SqsTransport over an SQS client
// that accepts at once.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { payments } from 'bitcoinjs-lib';
import { Registry } from 'prom-client';
import { SqsTransport } from '../adapters/aws/sqs-transport.js';
import { FileShareSpool } from '../adapters/fs/spool.js';
import { bitsToTarget } from '../core/chain/target.js';
import { coinNetworks, getCoin } from '../core/coins/index.js';
import { parseConfig } from '../core/config/load.js';
import type { BatchTransport } from '../core/ports/batch-transport.js';
import { messageBytes } from '../core/shares/queue-message.js';
import type { ShareBatch } from '../core/shares/share.js';
import { journalSummarizer } from '../core/shares/summary.js';
import { type BitcoinJobSource, bitcoinJobs } from '../families/bitcoin/stratum.js';
import type { ChainFamilies } from '../families/registry.js';
import { type CoinService, startCoinService } from '../fargate/src/coin-service.js';
import { yieldHelperThreads } from '../fargate/src/helper-threads.js';
import { BatchingShareQueue } from '../fargate/src/queue/batching-share-queue.js';
import { createStratumMetrics } from '../fargate/src/stratum/metrics.js';
import { NO_SPOOL } from './harness.js';

export type BenchCoin = 'LTC' | 'BTC';

/**
 * Compact bits of the fake chain. EASY: nearly every hash meets the network target, so every share is a block
 * (submit latency). HARD: Bitcoin's difficulty 1, a block once in 2^32 shares (throughput and fan-out).
 */
export const EASY_BITS = 0x2100ffff;
export const HARD_BITS = 0x1d00ffff;
/** Share difficulty far below any hash: every submitted nonce is a valid share, so no work is wasted on the miner. */
const TRIVIAL_DIFFICULTY = 1e-12;

/** A valid regtest bech32 address of the coin over a 20-byte hash filled with `fill` (0..255). */
export function benchAddress(coin: BenchCoin, fill: number): string {
  const network = coinNetworks(getCoin(coin), 'regtest')[0];
  return payments.p2wpkh({ hash: Buffer.alloc(20, fill & 0xff), network }).address!;
}

/** A getblocktemplate answer with no transactions: the coinbase is the whole block body. */
export function blockTemplate(height: number, bits: number, prevSeed = height): Record<string, unknown> {
  const curtime = Math.floor(Date.now() / 1000);
  return {
    version: 0x20000000,
    previousblockhash: prevSeed.toString(16).padStart(64, '0'),
    transactions: [],
    coinbasevalue: 5_000_000_000,
    longpollid: `lp${height}`,
    target: bitsToTarget(bits).toString(16).padStart(64, '0'),
    mintime: curtime - 600,
    curtime,
    bits: bits.toString(16).padStart(8, '0'),
    height,
  };
}

/** A JSON-RPC daemon on 127.0.0.1 that serves one template and timestamps every submitblock on arrival. */
export class FakeDaemon {
  template: Record<string, unknown>;
  /** process.hrtime.bigint() when each submitblock request arrived, with the header's nonce bytes (hex). */
  readonly submits: Array<{ at: bigint; nonceLe: string }> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    template: Record<string, unknown>,
  ) {
    this.template = template;
  }

  static async start(template: Record<string, unknown>): Promise<FakeDaemon> {
    let self!: FakeDaemon;
    const server = createServer((req, res) => {
      const at = process.hrtime.bigint();
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        raw += c;
      });
      req.on('end', () => {
        const { id, method, params } = JSON.parse(raw) as { id: unknown; method: string; params: unknown[] };
        let result: unknown = null;
        if (method === 'getblocktemplate') result = self.template;
        else if (method === 'getblockchaininfo') result = { bestblockhash: self.template.previousblockhash };
        // The pool's health check wants peers: a daemon without any cannot serve templates.
        else if (method === 'getnetworkinfo') result = { connections: 8 };
        else if (method === 'submitblock') {
          // The header is the block's first 80 bytes; the nonce its last 4 (little-endian).
          self.submits.push({ at, nonceLe: String(params[0]).slice(152, 160) });
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ result, error: null, id }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new FakeDaemon(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, template);
    return self;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * The container's SqsTransport (its batches encoded into gzip messages on the stratum process's event loop, as in
 * production) over an SQS client that accepts every request at once: no network, no cost of time beyond the
 * encoding. Counts what it was given and the messages it became.
 */
export class CountingTransport implements BatchTransport {
  batches = 0;
  shares = 0;
  /** Minute summaries (views 'minutes'): the same shares again, for the charts; not counted above. */
  summaries = 0;
  /** SQS messages the sends became, and their bytes. */
  messages = 0;
  bytes = 0;
  private readonly sqs = new SqsTransport({ client: this.acceptingClient(), queueUrl: 'bench' });

  async send(batches: ShareBatch[]): Promise<void> {
    for (const b of batches) {
      if (b.views === 'minutes') {
        this.summaries += 1;
        continue;
      }
      this.batches += 1;
      this.shares += b.shares.length;
    }
    await this.sqs.send(batches);
  }

  /** An SQSClient whose every SendMessageBatch succeeds, counting its entries. */
  private acceptingClient(): SQSClient {
    const send = async (command: SendMessageBatchCommand) => {
      const entries = command.input.Entries ?? [];
      for (const e of entries) {
        this.messages += 1;
        this.bytes += messageBytes(e.MessageBody ?? ''); // not Buffer.byteLength's scan: charged to the server's CPU
      }
      return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: e.Id, MD5OfMessageBody: '' })), Failed: [] };
    };
    return { send } as unknown as SQSClient;
  }
}

export interface BenchPool {
  service: CoinService;
  /** The Bitcoin family's job manager behind the service: the bench applies templates to it by hand. */
  jobs: BitcoinJobSource;
  port: number;
  /** The fake daemon: this process's own, or the one the caller gave (`BenchQueueOptions.daemon`). */
  daemon: BenchDaemon;
  transport: CountingTransport;
  queue: BatchingShareQueue;
  /** A valid miner username (payout address) for this coin; `i` picks one of 256 addresses. */
  user(i: number): string;
  stop(): Promise<void>;
}

/** Starts the coin service of `coin` on 127.0.0.1:<ephemeral> with every share valid; `bits` sets the block odds. */
export interface BenchQueueOptions {
  /** queue.ackAfter = journal: acknowledge at the spool's fsync (a real FileShareSpool in `spoolDir`). */
  journal?: { spoolDir: string; maxWaitMs: number };
  /** Where the stratum port listens (bench/netns.ts: the veth address); default 127.0.0.1. */
  host?: string;
  /** The chain families (bench/submit.ts: the Bitcoin family with a share hasher that timestamps each hash). */
  families?: ChainFamilies;
  /** A daemon the caller runs (bench/submit-daemon.ts: in a process of its own); closed with the pool. */
  daemon?: BenchDaemon;
}

/** What the pool needs of a fake daemon: its URL, and closing it with the pool. */
export interface BenchDaemon {
  readonly url: string;
  close(): Promise<void>;
}

/** Whether this process's V8 helper threads were lowered yet (once per process, as the container does). */
let helpersLowered = false;

export async function startBenchPool(coin: BenchCoin, bits: number, q: BenchQueueOptions = {}): Promise<BenchPool> {
  if (!helpersLowered && process.env.BENCH_HELPER_THREADS !== 'as-is') {
    // As a stratum process does at its start (fargate/src/main.ts); BENCH_HELPER_THREADS=as-is leaves them.
    helpersLowered = true;
    const { niced, failed } = yieldHelperThreads({ info() {}, warn() {} });
    if (niced.length > 0) console.log(`  note: SCHED_IDLE refused, ${niced.length} V8 helper thread(s) at nice 19`);
    if (failed.length > 0)
      console.log(`  note: ${failed.length} V8 helper thread(s) left as they were: ${failed[0]!.error}`);
  }
  const daemon = q.daemon ?? (await FakeDaemon.start(blockTemplate(1000, bits)));
  const transport = new CountingTransport();
  // As the container's queue (fargate/src/main.ts): its minute summary folds every share, a per-share cost.
  const queue = q.journal
    ? new BatchingShareQueue({
        transport,
        // As the container writes it (fargate/src/main.ts): no fsync, the task's volume dies with the task.
        spool: new FileShareSpool({ dir: q.journal.spoolDir, durability: 'write' }),
        instanceId: 'bench',
        ackAfter: 'journal',
        maxWaitMs: q.journal.maxWaitMs,
        shipIntervalMs: 1000,
        summarize: journalSummarizer(),
      })
    : new BatchingShareQueue({ transport, spool: NO_SPOOL, instanceId: 'bench', minuteSummaryMs: 60_000 });
  const d = TRIVIAL_DIFFICULTY;
  const config = parseConfig(
    {
      coins: [
        {
          symbol: coin,
          network: 'regtest',
          poolAddress: benchAddress(coin, 0),
          daemons: [{ url: daemon.url, user: 'bench', password: 'bench' }],
          // Jobs change only when the bench says so (fan-out) or a block is found (submit latency).
          jobs: { longPoll: false, pollIntervalMs: 60_000, refreshSeconds: 3600 },
          // Every bench connection comes from one address: the per-IP cap (256 by default) would refuse the rest.
          security: { connectionLimits: { maxPerIp: 1_000_000 } },
          ports: [{ port: 0, host: q.host ?? '127.0.0.1', difficulty: { initial: d, min: d, max: d } }],
        },
      ],
      stratum: { authTimeoutSeconds: 120, idleTimeoutSeconds: 3600 },
    },
    'bench',
  );
  const service = await startCoinService({
    config,
    coin: config.coins[0]!,
    shares: queue,
    log: { debug() {}, info() {}, warn() {}, error() {} },
    // Prometheus metrics as in the container: their per-share cost is part of the figure.
    metrics: createStratumMetrics(new Registry()),
    ...(q.families && { families: q.families }),
  });
  return {
    service,
    jobs: bitcoinJobs(service.jobs),
    port: service.ports[0]!,
    daemon,
    transport,
    queue,
    user: (i) => benchAddress(coin, 1 + (i % 255)),
    stop: async () => {
      await service.stop();
      await queue.close();
      await daemon.close();
    },
  };
}
