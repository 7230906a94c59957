import type { Logger } from '../../../../core/ports/logger.js';
import {
  type UpstreamAnswer,
  UpstreamConnection,
  type UpstreamEndpoint,
  type UpstreamEvents,
  type UpstreamNotify,
} from './upstream-connection.js';

/** What the proxy job source hears from the serving upstream (and only from it). */
export interface UpstreamPoolEvents {
  /** A new upstream serves (first connect, a failover, a return to a preferred one): its session is fresh. */
  serving(conn: UpstreamConnection): void;
  notify(conn: UpstreamConnection, job: UpstreamNotify): void;
  difficulty(conn: UpstreamConnection, difficulty: number): void;
  extranonce(conn: UpstreamConnection): void;
  /** No upstream serves any more (every one is down). */
  lost(): void;
}

interface Member {
  endpoint: UpstreamEndpoint;
  healthy: boolean;
  lastError?: string;
  /** When a down member may be tried again, and the wait after the next failure. */
  retryAt: number;
  backoffMs: number;
  /** The session id it gave last (its extranonce1), offered on reconnect to resume. */
  sessionId?: string;
  connecting: boolean;
  accepted: number;
  rejected: number;
}

export interface UpstreamPoolOptions {
  endpoints: readonly UpstreamEndpoint[];
  timeoutMs: number;
  maxRetryMs: number;
  log: Logger;
  now: () => number;
  /** How often down upstreams are reconsidered (default 1 s). */
  checkIntervalMs?: number;
  /** How a connection is opened (tests inject failures); default UpstreamConnection.open. */
  open?: typeof UpstreamConnection.open;
}

const FIRST_RETRY_MS = 1000;

/**
 * The configured upstreams in order of preference, one serving at a time: the first that connects, subscribes and
 * authorizes. One that fails (refused, closed, timed out, asked us to reconnect) is marked down and retried after a
 * backoff (1 s, doubling to `maxRetryMs`); while a less preferred one serves, the preferred ones are retried in the
 * background and the first of them that answers serves again (a clean switch for the miners).
 */
export class UpstreamPool {
  private readonly members: Member[];
  private active: { index: number; conn: UpstreamConnection } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly open: typeof UpstreamConnection.open;

  constructor(
    private readonly o: UpstreamPoolOptions,
    private readonly events: UpstreamPoolEvents,
  ) {
    this.members = o.endpoints.map((endpoint) => ({
      endpoint,
      healthy: false,
      retryAt: 0,
      backoffMs: FIRST_RETRY_MS,
      connecting: false,
      accepted: 0,
      rejected: 0,
    }));
    this.open = o.open ?? UpstreamConnection.open;
  }

  /** Tries the upstreams in order until one serves (resolves either way), then keeps them under watch. */
  async start(): Promise<void> {
    await this.tryPreferred();
    this.timer = setInterval(() => void this.tryPreferred(), this.o.checkIntervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.active?.conn.close('stopping');
    this.active = undefined;
  }

  get serving(): UpstreamConnection | undefined {
    return this.active?.conn;
  }

  /** Forwards a share on `conn` (the connection whose job it is) and counts the upstream's answer. */
  async submit(conn: UpstreamConnection, params: string[]): Promise<UpstreamAnswer> {
    const answer = await conn.submit(params);
    const m = this.members.find((x) => x.endpoint === conn.endpoint);
    if (m) {
      if (answer.accepted) m.accepted++;
      else m.rejected++;
    }
    return answer;
  }

  status(): Array<{ daemon: string; healthy: boolean; lastError?: string; accepted: number; rejected: number }> {
    return this.members.map((m) => ({
      daemon: m.endpoint.url,
      healthy: m.healthy,
      ...(m.lastError !== undefined && { lastError: m.lastError }),
      accepted: m.accepted,
      rejected: m.rejected,
    }));
  }

  /** Connects to the most preferred upstream that is due a try, when it is preferred over the one serving. */
  private async tryPreferred(): Promise<void> {
    const limit = this.active?.index ?? this.members.length;
    for (let i = 0; i < limit && !this.stopped; i++) {
      const m = this.members[i]!;
      if (m.connecting || m.retryAt > this.o.now()) continue;
      m.connecting = true;
      try {
        const conn = await this.open(m.endpoint, {
          timeoutMs: this.o.timeoutMs,
          ...(m.sessionId !== undefined && { resumeSessionId: m.sessionId }),
        });
        if (this.stopped || (this.active && this.active.index <= i)) {
          conn.close('not needed');
          return;
        }
        this.serve(i, conn);
        return;
      } catch (err) {
        this.markDown(m, (err as Error).message);
      } finally {
        m.connecting = false;
      }
    }
  }

  private serve(index: number, conn: UpstreamConnection): void {
    const m = this.members[index]!;
    const previous = this.active;
    this.active = { index, conn };
    m.healthy = true;
    m.backoffMs = FIRST_RETRY_MS;
    m.sessionId = conn.session.extranonce1;
    delete m.lastError;
    this.o.log.info(
      { upstream: m.endpoint.url, user: m.endpoint.user, extranonce2Size: conn.session.extranonce2Size },
      previous ? 'upstream serving (switched from a less preferred one)' : 'upstream serving',
    );
    if (previous) previous.conn.close('a preferred upstream is back');
    this.events.serving(conn);
    const isActive = () => this.active?.conn === conn;
    const events: UpstreamEvents = {
      notify: (job) => isActive() && this.events.notify(conn, job),
      difficulty: (d) => isActive() && this.events.difficulty(conn, d),
      extranonce: () => isActive() && this.events.extranonce(conn),
      closed: (reason) => {
        if (!isActive()) return;
        this.active = undefined;
        this.markDown(m, reason);
        this.events.lost();
        // The next one in order, at once (the failed one waits out its backoff).
        void this.tryPreferred();
      },
    };
    conn.listen(events);
  }

  /** Marks an upstream down, to be tried again after its backoff. */
  markDown(m: Member | UpstreamEndpoint, reason: string): void {
    const member = 'endpoint' in m ? m : this.members.find((x) => x.endpoint === m);
    if (!member) return;
    if (member.healthy || member.lastError !== reason)
      this.o.log.warn({ upstream: member.endpoint.url, reason, retryInMs: member.backoffMs }, 'upstream down');
    member.healthy = false;
    member.lastError = reason;
    member.retryAt = this.o.now() + member.backoffMs;
    member.backoffMs = Math.min(member.backoffMs * 2, this.o.maxRetryMs);
    if (this.active && this.active.conn.endpoint === member.endpoint) {
      const { conn } = this.active;
      this.active = undefined;
      conn.close(reason);
      this.events.lost();
      void this.tryPreferred();
    }
  }
}
