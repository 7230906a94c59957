import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../../core/ports/logger.js';
import type { ShareQueue } from '../../../core/ports/share-queue.js';
import type { JobFeed } from '../jobs/types.js';
import { rememberedAddresses } from './address-cache.js';
import { type Admission, BanPolicy, DEFAULT_SECURITY, type PolicyEvent, type Verdict } from './ban-policy.js';
import { Connection, type ConnectionHost, type ConnectionLimits, type SharedContext } from './connection.js';
import type { AuxCoinAddresses, StratumDialect, StratumServerOptions } from './context.js';
import { ExtranonceAllocator } from './extranonce.js';
import { createMemoryMetrics, type StratumMetrics } from './metrics.js';
import { Session } from './session.js';
import { Vardiff } from './vardiff.js';

export interface StratumServerDeps {
  options: StratumServerOptions;
  /** The coin's job source: every new job is sent to every working connection. */
  jobs: JobFeed;
  /**
   * What the port speaks: its chain family's dialects, made for `jobs` (Stratum V1 for the Bitcoin family; EthProxy
   * and EthereumStratum/1.0.0 for the Ethereum family). A connection's first request picks one (StratumDialect.opens).
   */
  dialects: readonly StratumDialect[];
  shares: ShareQueue;
  /**
   * The miner account of a username's address: the coin's canonical spelling (core/coins `validateAddress`), so
   * that one address written two ways (legacy and CashAddr, bech32 in upper case) is one account, as the wallet
   * reports it. Throws InvalidAddressError for an address that cannot be paid.
   */
  validateAddress: (address: string) => string;
  /**
   * Merged mining: the coin's aux coins by lower-case symbol, whose payout addresses miners give in the password
   * (`doge=<address>`). Absent: a password names none.
   */
  auxCoins?: ReadonlyMap<string, AuxCoinAddresses>;
  log: Logger;
  metrics?: StratumMetrics;
  now?: () => number;
  /** Share one allocator between the ports of a coin: extranonce1 must be unique across all of them. */
  extranonces?: ExtranonceAllocator;
  /** Share one ban policy between the ports of a coin: an IP banned on one port is banned on all. */
  policy?: BanPolicy;
}

/** How long a refused client has to read why before its socket is destroyed. */
const REFUSAL_GRACE_MS = 1000;

/**
 * The stratum server of one port, whatever its dialects, transport-agnostic: `handle()` takes any duplex stream (a TCP or TLS socket,
 * or one end of `duplexPair()` in tests). New jobs are broadcast to every working connection.
 */
export class StratumServer implements ConnectionHost {
  readonly dialects: readonly StratumDialect[];
  private readonly connections = new Set<Connection>();
  private readonly extranonces: ExtranonceAllocator;
  readonly policy: BanPolicy;
  private readonly metrics: StratumMetrics;
  private readonly now: () => number;
  private readonly unsubscribe: () => void;
  private readonly unsubscribeBans: () => void;
  private readonly tick: ReturnType<typeof setInterval>;
  /** The connections' idle clock: one interval for all of them, each second (ConnectionHost.idleClock). */
  readonly idleClock = { seconds: 0 };
  private readonly idleSweep: ReturnType<typeof setInterval>;
  readonly shared: SharedContext;
  private readonly limits: ConnectionLimits;
  private nextId = 1;
  private draining = false;

  constructor(private readonly deps: StratumServerDeps) {
    const o = deps.options;
    if (deps.dialects.length === 0) throw new RangeError('a stratum port needs at least one dialect');
    this.dialects = deps.dialects;
    this.now = deps.now ?? Date.now;
    this.metrics = deps.metrics ?? createMemoryMetrics();
    this.extranonces = deps.extranonces ?? new ExtranonceAllocator(deps.jobs.extranonce1Size, o.instancePrefix ?? '');
    this.policy = deps.policy ?? new BanPolicy(o.security ?? DEFAULT_SECURITY, this.now);
    // A ban reported on any port of the coin closes the IP's connections here too; the reporting connection
    // (`source`) closes itself once it has answered.
    this.unsubscribeBans = this.policy.onBan((ip, ban, source) => {
      for (const c of this.connections) {
        if (c !== source && c.session.clientKey === ip) c.drop('banned', ban.message);
      }
    });
    this.unsubscribe = deps.jobs.onJob((job) => {
      for (const c of this.connections) c.sendWork(job.cleanJobs);
    });
    // Vardiff for connections that stopped submitting (difficulty too high for them).
    this.tick = setInterval(
      () => {
        this.retargetIdle();
        this.policy.sweep();
      },
      Math.max(1000, (o.difficulty.retargetSeconds * 1000) / 2),
    );
    this.tick.unref();
    this.idleSweep = setInterval(() => {
      const seconds = ++this.idleClock.seconds;
      for (const c of this.connections) c.checkIdle(seconds);
    }, 1000);
    this.idleSweep.unref();
    // What every connection shares: one object each for the server, not one per connection.
    this.shared = {
      options: o,
      shares: deps.shares,
      extranonces: this.extranonces,
      metrics: this.metrics,
      log: deps.log,
      now: this.now,
      validateAddress: rememberedAddresses(deps.validateAddress),
      ...(deps.auxCoins && { auxCoins: deps.auxCoins }),
    };
    this.limits = {
      maxLineBytes: o.maxLineBytes,
      maxSendQueueBytes: o.maxSendQueueBytes,
      authTimeoutMs: o.authTimeoutMs,
      idleTimeoutMs: o.idleTimeoutMs,
      lineTimeoutMs: this.policy.config.lineTimeoutSeconds * 1000,
    };
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  handle(stream: Duplex, remote: { address: string; port: number }): Connection | undefined {
    if (this.draining) {
      stream.destroy();
      return undefined;
    }
    const o = this.deps.options;
    const admission = this.policy.admit(remote.address);
    if (!admission.ok) {
      this.refuse(stream, remote, admission);
      return undefined;
    }
    const session = new Session(this.nextId++, remote, o.difficulty.initial, new Vardiff(o.difficulty, this.now()));
    const conn = new Connection(session, stream, this, this.limits);
    this.connections.add(conn);
    this.metrics.connections.inc({ coin: o.coin.symbol });
    return conn;
  }

  report(conn: Connection, event: PolicyEvent): Verdict {
    const ip = conn.session.clientKey;
    const verdict = this.policy.reportClient(ip, event, conn);
    if (verdict.banned) {
      this.metrics.bans.inc({ coin: this.deps.options.coin.symbol, reason: verdict.reason });
      this.deps.log.warn({ ip, reason: verdict.reason, session: conn.session.id }, verdict.message);
    }
    return verdict;
  }

  onClose(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    this.policy.closed(conn.session.remote.address);
    if (conn.session.extranonce1)
      this.extranonces.release(conn.session.extranonce1, this.now(), conn.session.clientKey);
    this.metrics.connections.dec({ coin: this.deps.options.coin.symbol });
  }

  /**
   * Graceful drain (SIGTERM, scale-in): refuse new connections, ask every miner to reconnect in its dialect
   * (Stratum's client.reconnect, which lands it on another task through the NLB; EthProxy has none), then close what
   * is left after `graceMs`.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    for (const c of this.connections) c.askReconnect();
    // Wall-clock time, not the injected `now` (a test clock may stand still and the grace would never end).
    const deadline = performance.now() + graceMs;
    while (this.connections.size > 0 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, deadline - performance.now()))));
    }
    this.close();
  }

  /** Closes every connection and stops listening for jobs. */
  close(): void {
    this.unsubscribe();
    this.unsubscribeBans();
    clearInterval(this.tick);
    clearInterval(this.idleSweep);
    for (const c of [...this.connections]) c.close('server closing');
  }

  /** A banned or over-limit client is told why (one error line), then its socket is closed. */
  private refuse(stream: Duplex, remote: { address: string }, admission: Admission & { ok: false }): void {
    this.metrics.drops.inc({ coin: this.deps.options.coin.symbol, reason: admission.reason });
    this.deps.log.debug({ ip: remote.address, reason: admission.reason }, 'connection refused');
    stream.on('error', () => {});
    stream.end(this.dialects[0]!.wire.error(null, 20, admission.message));
    setTimeout(() => stream.destroy(), REFUSAL_GRACE_MS).unref();
  }

  private retargetIdle(): void {
    const now = this.now();
    for (const c of this.connections) {
      c.compact(); // the sweep that visits every connection anyway: idle ones give back their queues' memory
      const s = c.session;
      if (!s.authorized) continue;
      const next = s.vardiff.onTick(s.difficulty, now);
      if (next !== undefined) {
        s.difficulty = next;
        c.sendWork(false);
      }
    }
  }
}
