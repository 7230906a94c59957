import { DaemonError } from '../../core/errors.js';
import type { Logger } from '../../core/ports/logger.js';
import { DaemonClient, type DaemonEndpoint } from './daemon-client.js';

/** The timer functions the pool needs; tests pass fakes and fire checks themselves. */
export interface PoolTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface DaemonPoolOptions {
  /** How often every daemon is asked getblockchaininfo; an unhealthy one is retried at each check. Default 5 s. */
  checkIntervalMs?: number;
  timers?: PoolTimers;
  /** Builds the client for an endpoint (tests inject fakes). */
  client?: (endpoint: DaemonEndpoint) => DaemonClient;
  /** getblocktemplate rules of the coin, for asking a peerless daemon whether it serves templates. Default segwit. */
  templateRules?: readonly string[];
}

/** What one daemon answered to submitblock: `result` (null = accepted, or a BIP22 reason) or the `error`. */
export type SubmitAnswer = { daemon: string; result: string | null } | { daemon: string; error: DaemonError };

interface Member {
  client: DaemonClient;
  /** The same client, but a transport failure marks the member down (what primary() hands out). */
  guarded: DaemonClient;
  healthy: boolean;
  lastError?: string;
}

const realTimers: PoolTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

/**
 * The daemons of one coin, in config order. Templates come from the first healthy one (failover); blocks go to
 * every healthy one at once, so the block reaches the network even if one daemon is badly connected. A daemon that
 * fails a call or a health check is marked down and retried at the next check.
 */
export class DaemonPool {
  private readonly members: Member[];
  private readonly checkIntervalMs: number;
  private readonly timers: PoolTimers;
  private readonly templateRules: readonly string[];
  private timer: unknown;

  constructor(
    endpoints: readonly DaemonEndpoint[],
    private readonly log: Pick<Logger, 'warn' | 'info'>,
    opts: DaemonPoolOptions = {},
  ) {
    if (endpoints.length === 0) throw new DaemonError('a coin needs at least one daemon');
    this.checkIntervalMs = opts.checkIntervalMs ?? 5_000;
    this.timers = opts.timers ?? realTimers;
    this.templateRules = opts.templateRules ?? ['segwit'];
    const make = opts.client ?? ((e: DaemonEndpoint) => new DaemonClient(e));
    this.members = endpoints.map((e) => {
      const m = { client: make(e), healthy: true } as Member;
      m.guarded = this.guard(m);
      return m;
    });
  }

  /** Checks every daemon now, then every checkIntervalMs. */
  async start(): Promise<void> {
    await this.checkNow();
    this.timer ??= this.timers.setInterval(() => void this.checkNow(), this.checkIntervalMs);
  }

  /** Stops the checks and closes the connections kept for submitblock (a daemon stops only once they are gone). */
  stop(): void {
    if (this.timer !== undefined) this.timers.clearInterval(this.timer);
    this.timer = undefined;
    for (const m of this.members) m.client.close();
  }

  /**
   * Asks every daemon getnetworkinfo; those that answer and have peers are healthy, the others down. A daemon without
   * peers answers RPC but refuses templates ("not connected", -9): a pool on it would mine nothing. Only a daemon that
   * serves templates all the same is healthy without peers: btcd on its private simnet (or regtest) chain. The check
   * goes over the kept-alive connection submitblock uses: it keeps that connection open between blocks (found hours
   * apart; the daemon closes idle ones after 30 s) and checks the path a block will take.
   */
  async checkNow(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        try {
          const info = await m.client.getNetworkInfo({ keepAlive: true });
          if (info.connections === 0) await this.servesWithoutPeers(m.client);
          if (!m.healthy) this.log.info({ daemon: m.client.name }, 'daemon is back');
          m.healthy = true;
          m.lastError = undefined;
        } catch (err) {
          this.markDown(m, err);
        }
      }),
    );
  }

  /** Throws unless the peerless daemon answers getblocktemplate (a daemon that needs peers refuses it, -9). */
  private async servesWithoutPeers(client: DaemonClient): Promise<void> {
    try {
      // A connection of its own: a template can take long to build, and the submit connection is never behind one.
      await client.getBlockTemplate(this.templateRules);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new DaemonError(`daemon has no peers: it cannot serve block templates (${why})`, undefined, { cause: err });
    }
  }

  /** The first healthy daemon in config order, or undefined when none is. */
  primary(): DaemonClient | undefined {
    return this.members.find((m) => m.healthy)?.guarded;
  }

  /** Every healthy daemon, in config order. */
  allHealthy(): DaemonClient[] {
    return this.members.filter((m) => m.healthy).map((m) => m.guarded);
  }

  healthyCount(): number {
    return this.members.filter((m) => m.healthy).length;
  }

  /**
   * submitblock on every healthy daemon in parallel (on every daemon when none is marked healthy: a found block is
   * worth a try); one answer per daemon asked, in config order. Never throws.
   */
  async submitBlockEverywhere(block: string | readonly string[]): Promise<SubmitAnswer[]> {
    const healthy = this.members.filter((m) => m.healthy);
    const targets = healthy.length > 0 ? healthy : this.members;
    return Promise.all(
      targets.map(async (m): Promise<SubmitAnswer> => {
        try {
          // Sent first: the daemon's name (a URL parse) only once the block is on its way.
          const result = await m.guarded.submitBlock(block);
          return { daemon: m.client.name, result };
        } catch (err) {
          const error = err instanceof DaemonError ? err : new DaemonError(String(err), undefined, { cause: err });
          return { daemon: m.client.name, error };
        }
      }),
    );
  }

  status(): Array<{ daemon: string; healthy: boolean; lastError?: string }> {
    return this.members.map((m) => ({ daemon: m.client.name, healthy: m.healthy, lastError: m.lastError }));
  }

  private markDown(m: Member, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (m.healthy) this.log.warn({ daemon: m.client.name, err: message }, 'daemon is down; failing over');
    m.healthy = false;
    m.lastError = message;
  }

  /**
   * Wraps the client so that a call failing in transport (refused, timed out, HTTP error) marks the daemon down and
   * the next primary() fails over. An RPC error object means the daemon is up and refused this request: no failover,
   * except for the errors that mean it cannot serve at all (CANNOT_SERVE).
   */
  private guard(m: Member): DaemonClient {
    return new Proxy(m.client, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || prop === 'withWallet') return value;
        return (...args: unknown[]) => {
          const result = value.apply(target, args);
          if (!(result instanceof Promise)) return result;
          // A long poll that times out only says the template did not change for that long (a quiet chain).
          const longPoll = prop === 'getBlockTemplate' && args[1] !== undefined;
          return result.catch((err: unknown) => {
            const refused = err instanceof DaemonError && err.rpcCode !== undefined && !CANNOT_SERVE.has(err.rpcCode);
            if (!refused && !(longPoll && isTimeout(err))) this.markDown(m, err);
            throw err;
          });
        };
      },
    });
  }
}

/**
 * RPC errors that say the daemon cannot serve the pool at all (rather than refusing one request): -9 not connected
 * to any peer, -10 still in initial block download. The next daemon takes over.
 */
const CANNOT_SERVE = new Set([-9, -10]);

/** The call timed out, or was cancelled by the pool stopping (a long poll pending at stop). */
function isTimeout(err: unknown): boolean {
  const name = err instanceof Error ? (err.cause as { name?: string } | undefined)?.name : undefined;
  return name === 'TimeoutError' || name === 'AbortError';
}
