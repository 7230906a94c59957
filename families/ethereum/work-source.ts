import { createServer, type Server } from 'node:http';
import { EthNodeClient, type EthNodeEndpoint, type EthWorkPackage } from '../../adapters/rpc/eth-node-client.js';
import { DaemonError } from '../../core/errors.js';
import type { Logger } from '../../core/ports/logger.js';
import type { EthWorkSource } from '../../fargate/src/jobs/ethereum/types.js';
import type { JobSourceContext } from '../chain-family.js';

export interface NodeWorkSourceOptions {
  /** The coin's nodes in failover order (open-ethereum-pool's `upstream` list): the first healthy one serves work. */
  nodes: readonly EthNodeEndpoint[];
  log: Pick<Logger, 'info' | 'warn'>;
  now?: () => number;
  /**
   * How often the serving node is asked eth_getWork. A new head shows within this much (plus one RPC) even when no
   * push arrives; open-ethereum-pool polls every 120 ms. Default 100.
   */
  pollIntervalMs?: number;
  /** How often the standby nodes are asked eth_getWork, so a failover never lands on a dead one. Default 5 s. */
  checkIntervalMs?: number;
  /** A failed node is retried after retryMinMs, doubling at each failure up to retryMaxMs. Defaults 500 ms, 30 s. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /**
   * Per-call timeout of eth_getWork: a hung node fails over after this (a stopped one at once, refused). Default 3 s:
   * at 1 s a loaded machine (CI, a node building its DAG in the background) timed out a healthy local node.
   */
  callTimeoutMs?: number;
  /**
   * Where to listen for core-geth's `--miner.notify` pushes (host, port; port 0 = any). A push only makes the source
   * ask its serving node at once: its body is never taken as work, so whoever can reach the port can cause an extra
   * eth_getWork and nothing else. Off by default (the poll alone).
   */
  notify?: { host: string; port: number };
  /** Builds a node's client (tests wrap them). */
  client?: (endpoint: EthNodeEndpoint) => EthNodeClient;
  /** Work packages remembered for eth_submitWork (which node a seal hash came from). Default 64. */
  recentWorks?: number;
}

interface Member {
  client: EthNodeClient;
  healthy: boolean;
  failures: number;
  /** While down: not asked before this time (backoff). */
  retryAt: number;
  lastError?: string;
}

/** A push body larger than this is not read (a work package is ~280 bytes; a full header ~600). */
const MAX_PUSH_BYTES = 8_192;

/**
 * The ETC job source's node side: eth_getWork from the first healthy node, each new package handed to the job book
 * (`onWork`), eth_submitWork to the node that made the work. A node that fails a call (refused, timed out, an RPC
 * error such as "no mining work available yet") is marked down and the next one serves in the same poll; a down
 * node is asked again after its backoff, and serves again once it answers (fail back). Heads arrive by polling every
 * pollIntervalMs and, when configured, at once by core-geth's --miner.notify push.
 */
export class NodeWorkSource implements EthWorkSource {
  private readonly members: Member[];
  private readonly now: () => number;
  private readonly pollIntervalMs: number;
  private readonly checkIntervalMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly listeners = new Set<(work: EthWorkPackage) => void>();
  /** Seal hash → the node that handed it out, newest last (bounded). */
  private readonly served = new Map<string, Member>();
  private readonly recentWorks: number;
  private newest: EthWorkPackage | undefined;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private checkTimer: ReturnType<typeof setInterval> | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private stopped = false;
  private server: Server | undefined;
  private pushes = 0;

  constructor(private readonly o: NodeWorkSourceOptions) {
    if (o.nodes.length === 0) throw new DaemonError('an Ethereum-family coin needs at least one node');
    const make = o.client ?? ((e: EthNodeEndpoint) => new EthNodeClient(e, o.callTimeoutMs ?? 3_000));
    this.members = o.nodes.map((e) => ({ client: make(e), healthy: true, failures: 0, retryAt: 0 }));
    this.now = o.now ?? Date.now;
    this.pollIntervalMs = o.pollIntervalMs ?? 100;
    this.checkIntervalMs = o.checkIntervalMs ?? 5_000;
    this.retryMinMs = o.retryMinMs ?? 500;
    this.retryMaxMs = o.retryMaxMs ?? 30_000;
    this.recentWorks = o.recentWorks ?? 64;
  }

  /**
   * Fetches the first work, then polls; listens for pushes when configured. Rejects (having stopped) when no node
   * hands out work, naming what each answered.
   */
  async start(): Promise<void> {
    await this.refresh();
    if (!this.newest) {
      this.stop();
      const why = this.members.map((m) => `${m.client.name}: ${m.lastError ?? 'no work'}`).join('; ');
      throw new DaemonError(`no node hands out work (${why})`);
    }
    if (this.o.notify) await this.listen(this.o.notify);
    this.schedulePoll();
    this.checkTimer = setInterval(() => void this.checkStandbys(), this.checkIntervalMs);
    this.checkTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    clearInterval(this.checkTimer);
    this.server?.close();
    this.server?.closeAllConnections();
    this.server = undefined;
  }

  current(): EthWorkPackage | undefined {
    return this.newest;
  }

  onWork(listener: (work: EthWorkPackage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The URL core-geth's --miner.notify should POST to (after start, when `notify` is set). */
  notifyUrl(): string | undefined {
    const address = this.server?.address();
    if (!address || typeof address === 'string') return undefined;
    return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;
  }

  /**
   * Asks the serving node for work now (a push arrived, a block was found). Calls that come while one is running
   * make one more after it, never two at once.
   */
  refresh(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true;
      return this.polling;
    }
    this.polling = (async () => {
      try {
        do {
          this.pollAgain = false;
          await this.poll();
        } while (this.pollAgain && !this.stopped);
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  /**
   * eth_submitWork on the node that handed out this seal hash (no other node knows it). False for work this source
   * never served (the node would answer false too). Throws DaemonError when that node does not answer; it is then
   * marked down.
   */
  async submitWork(nonce: string, headerHash: string, mixDigest: string): Promise<boolean> {
    const member = this.served.get(headerHash.toLowerCase());
    if (!member) return false;
    let accepted: boolean;
    try {
      accepted = await member.client.submitWork(nonce, headerHash, mixDigest);
    } catch (err) {
      if (isTransport(err)) this.markDown(member, err);
      throw err;
    }
    // A block: the node has new work for the next height; take it now rather than at the next poll.
    if (accepted) void this.refresh();
    return accepted;
  }

  /** --miner.notify pushes received since start (each made the source ask its serving node at once). */
  get pushesReceived(): number {
    return this.pushes;
  }

  /** The node whose work is the newest (the serving one), by name. */
  serving(): string | undefined {
    return this.newest ? this.served.get(this.newest.headerHash)?.client.name : undefined;
  }

  /** Each node in failover order and whether it answered its last call. */
  upstreams(): Array<{ daemon: string; healthy: boolean; lastError?: string }> {
    return this.members.map((m) => ({
      daemon: m.client.name,
      healthy: m.healthy,
      ...(m.lastError ? { lastError: m.lastError } : {}),
    }));
  }

  /**
   * The first node in order that is healthy, or down with its backoff over, and answers: its work is the newest. A
   * node behind the served head is passed over for a later one that answers, and serves only if none does.
   */
  private async poll(): Promise<void> {
    let behind: { work: EthWorkPackage; from: Member } | undefined;
    for (const m of this.members) {
      if (!m.healthy && this.now() < m.retryAt) continue;
      let work: EthWorkPackage;
      try {
        work = await m.client.getWork();
      } catch (err) {
        this.markDown(m, err);
        continue;
      }
      this.markUp(m);
      if (this.lagging(work, m)) {
        behind ??= { work, from: m };
        continue;
      }
      this.take(work, m);
      return;
    }
    if (behind) this.take(behind.work, behind.from);
  }

  /**
   * A node back from an outage has an older head until it has synced from its peers: its work would only make stale
   * shares. The node that served the newer head keeps serving, as long as it is healthy.
   */
  private lagging(work: EthWorkPackage, m: Member): boolean {
    if (!this.newest || work.blockNumber >= this.newest.blockNumber) return false;
    const serving = this.served.get(this.newest.headerHash);
    return serving !== undefined && serving !== m && serving.healthy;
  }

  private take(work: EthWorkPackage, from: Member): void {
    // Work of a lower height is taken from the serving node (a reorg), or from a lagging one when no other answers.
    if (this.stopped) return;
    this.served.delete(work.headerHash);
    this.served.set(work.headerHash, from);
    // Two nodes on the same head with the same etherbase build the same work in the same second: after a failover the
    // seal hash may be the one miners already have, now to be submitted to the other node.
    if (work.headerHash === this.newest?.headerHash) return;
    while (this.served.size > this.recentWorks) this.served.delete(this.served.keys().next().value!);
    this.newest = work;
    for (const listener of this.listeners) listener(work);
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.pollTimer = setTimeout(() => {
      void this.refresh().finally(() => this.schedulePoll());
    }, this.pollIntervalMs);
    this.pollTimer.unref();
  }

  /** The nodes after the serving one, so that upstreams() tells the truth and a failover lands on a live node. */
  private async checkStandbys(): Promise<void> {
    const serving = this.members.findIndex((m) => m.healthy);
    await Promise.all(
      this.members.slice(serving + 1).map(async (m) => {
        if (!m.healthy && this.now() < m.retryAt) return;
        try {
          await m.client.getWork();
          this.markUp(m);
        } catch (err) {
          this.markDown(m, err);
        }
      }),
    );
  }

  private markUp(m: Member): void {
    if (!m.healthy) this.o.log.info({ node: m.client.name }, 'node is back');
    m.healthy = true;
    m.failures = 0;
    m.retryAt = 0;
    m.lastError = undefined;
  }

  private markDown(m: Member, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (m.healthy) this.o.log.warn({ node: m.client.name, err: message }, 'node is down; failing over');
    m.healthy = false;
    m.failures += 1;
    m.retryAt = this.now() + Math.min(this.retryMinMs * 2 ** (m.failures - 1), this.retryMaxMs);
    m.lastError = message;
  }

  /** core-geth POSTs each new work package (--miner.notify): read at most MAX_PUSH_BYTES, answer, then ask the node. */
  private listen(at: { host: string; port: number }): Promise<void> {
    const server = createServer((req, res) => {
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_PUSH_BYTES) req.destroy();
      });
      req.on('end', () => {
        res.writeHead(req.method === 'POST' ? 200 : 405).end();
        if (req.method !== 'POST') return;
        this.pushes += 1;
        void this.refresh();
      });
    });
    server.requestTimeout = 5_000;
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }
}

/** The node did not answer (refused, timed out, HTTP error), as opposed to answering with an RPC error object. */
function isTransport(err: unknown): boolean {
  return !(err instanceof DaemonError && err.rpcCode !== undefined);
}

/**
 * The node side of an Ethereum-family coin's job source (families/ethereum/stratum.ts `ethereumJobSource`): its
 * nodes (coins[].daemons, in failover order) polled every 100 ms; resolves once one hands out work.
 */
export async function startNodeWork(ctx: Pick<JobSourceContext, 'coin' | 'log' | 'now'>): Promise<NodeWorkSource> {
  const source = new NodeWorkSource({ nodes: ctx.coin.daemons, log: ctx.log, now: ctx.now });
  await source.start();
  return source;
}
