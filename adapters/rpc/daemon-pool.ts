import { DaemonClient, type DaemonEndpoint } from './daemon-client.js';

export interface DaemonPoolLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

interface Member {
  client: DaemonClient;
  healthy: boolean;
  lastError?: string;
}

/**
 * The daemons of one coin, in config order. Templates come from the first healthy one (failover); blocks go to
 * every healthy one at once. Health is checked with getblockchaininfo every `checkIntervalMs`, and a daemon that
 * fails a call is marked down until its next successful check.
 */
export class DaemonPool {
  private readonly members: Member[];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    endpoints: readonly DaemonEndpoint[],
    private readonly log: DaemonPoolLog,
    private readonly checkIntervalMs = 5_000,
  ) {
    if (endpoints.length === 0) throw new Error('a coin needs at least one daemon');
    this.members = endpoints.map((e) => ({ client: new DaemonClient(e), healthy: true }));
  }

  /** Checks every daemon now, then periodically. */
  async start(): Promise<void> {
    await this.checkAll();
    this.timer = setInterval(() => void this.checkAll(), this.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  healthyCount(): number {
    return this.members.filter((m) => m.healthy).length;
  }

  /** The first healthy daemon, wrapped so that a failing call marks it down and the next call fails over. */
  primary(): DaemonClient | undefined {
    const m = this.members.find((x) => x.healthy);
    return m ? this.guarded(m) : undefined;
  }

  /** submitblock on every healthy daemon (every daemon when none is marked healthy): what each answered. */
  async submitBlockEverywhere(blockHex: string): Promise<PromiseSettledResult<string | null>[]> {
    const targets = this.members.some((m) => m.healthy) ? this.members.filter((m) => m.healthy) : this.members;
    return Promise.allSettled(targets.map((m) => m.client.submitBlock(blockHex)));
  }

  status(): Array<{ daemon: string; healthy: boolean; lastError?: string }> {
    return this.members.map((m) => ({ daemon: m.client.name, healthy: m.healthy, lastError: m.lastError }));
  }

  private async checkAll(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        try {
          await m.client.getBlockchainInfo();
          if (!m.healthy) this.log.info({ daemon: m.client.name }, 'daemon is back');
          m.healthy = true;
          m.lastError = undefined;
        } catch (err) {
          this.markDown(m, err);
        }
      }),
    );
  }

  private markDown(m: Member, err: unknown): void {
    if (m.healthy)
      this.log.warn({ daemon: m.client.name, err: (err as Error).message }, 'daemon is down; failing over');
    m.healthy = false;
    m.lastError = (err as Error).message;
  }

  private guarded(m: Member): DaemonClient {
    const pool = this;
    return new Proxy(m.client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || prop === 'withWallet') return value;
        return (...args: unknown[]) => {
          const result = value.apply(target, args);
          if (result instanceof Promise) {
            return result.catch((err: unknown) => {
              // An RPC error object means the daemon is up and refused the request; only transport failures fail over.
              if ((err as { rpcCode?: number }).rpcCode === undefined) pool.markDown(m, err);
              throw err;
            });
          }
          return result;
        };
      },
    });
  }
}
