import type { Logger } from '../../core/ports/logger.js';
import type { BanStore } from '../../core/ports/stratum-coordination.js';
import { type BanPolicy, type BanReason, SHARED_BAN, type SharedBan } from './stratum/ban-policy.js';

/**
 * Between a stratum process's ban policy and its task's primary (node:cluster IPC), both ways:
 * - `ban`: a ban the process issued (to the primary), or one another process or task issued (from it);
 * - `open`: the process's open connections for a client key (to the primary), or the sum the task's other
 *   processes hold for it (from the primary).
 */
export type BanRelayMessage =
  | { type: 'edgepool:ban'; ban: SharedBan }
  | { type: 'edgepool:open'; ip: string; open: number };

export function isBanRelayMessage(msg: unknown): msg is BanRelayMessage {
  const type = (msg as { type?: unknown } | null)?.type;
  return type === 'edgepool:ban' || type === 'edgepool:open';
}

/**
 * The process side: reports the policy's own bans and open counts through `send`; the returned function applies what
 * the primary sends back.
 */
export function relayPolicy(policy: BanPolicy, send: (msg: BanRelayMessage) => void): (msg: BanRelayMessage) => void {
  policy.onBan((ip, ban, source) => {
    if (source === SHARED_BAN) return;
    const until = policy.banEnd(ip);
    if (until !== undefined) send({ type: 'edgepool:ban', ban: { ip, until, reason: ban.reason } });
  });
  policy.onOpenCount((ip, open) => send({ type: 'edgepool:open', ip, open }));
  return (msg) => {
    if (msg.type === 'edgepool:ban') policy.applySharedBan(msg.ban);
    else policy.setOpenElsewhere(msg.ip, msg.open);
  };
}

export interface TaskBansDeps {
  /** The coin's bans shared between tasks; without it bans stay within the task. */
  store?: BanStore;
  /** Sends to stratum process `index` (nothing when it is gone). */
  send: (index: number, msg: BanRelayMessage) => void;
  now: () => number;
  /** The coin's ban length: the first poll reads bans issued this long ago that may still run. */
  banMs: number;
  /** How often the store is read for other tasks' bans. */
  pollMs?: number;
  log: Pick<Logger, 'warn'>;
}

/** A poll also reads bans issued this long before the last one: written late, or by a task whose clock is behind. */
const POLL_OVERLAP_MS = 60_000;

/**
 * The primary's side: one ban list and one count of open connections per client key for the task. A process's ban
 * goes to the task's other processes at once and to the store for the coin's other tasks; the store is polled
 * every `pollMs` (10 s) for theirs. Each process hears the open connections the others hold, so the per-IP cap
 * (connectionLimits.maxPerIp) counts the task, not one process.
 */
export class TaskBans {
  private readonly bans = new Map<string, { until: number; reason: BanReason }>();
  /** Per client key, open connections per process index. */
  private readonly open = new Map<string, Map<number, number>>();
  private readonly processes = new Set<number>();
  private readonly writes = new Set<Promise<void>>();
  private lastPoll: number | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly deps: TaskBansDeps) {}

  /** Bans the primary keeps to tell a process that starts (forgotten at the first poll after they end). */
  get runningBans(): number {
    return this.bans.size;
  }

  /** A stratum process started (or was started again): it learns the running bans and the others' open counts. */
  joined(index: number): void {
    this.processes.add(index);
    const now = this.deps.now();
    for (const [ip, b] of this.bans) {
      if (b.until > now) this.deps.send(index, { type: 'edgepool:ban', ban: { ip, ...b } });
    }
    for (const ip of this.open.keys()) this.sendElsewhere(ip, index);
  }

  /** A stratum process is gone: its connections with it. */
  left(index: number): void {
    this.processes.delete(index);
    for (const [ip, perProcess] of this.open) {
      if (perProcess.delete(index)) this.openChanged(ip, perProcess);
    }
  }

  /** What stratum process `from` sent. */
  received(from: number, msg: BanRelayMessage): void {
    if (msg.type === 'edgepool:open') {
      const perProcess = this.open.get(msg.ip) ?? new Map<number, number>();
      if (msg.open > 0) perProcess.set(from, msg.open);
      else perProcess.delete(from);
      this.open.set(msg.ip, perProcess);
      this.openChanged(msg.ip, perProcess, from);
      return;
    }
    if (!this.learn(msg.ban, from)) return;
    const { store } = this.deps;
    if (!store) return;
    const write = store
      .put({ ...msg.ban, at: this.deps.now() })
      .catch((err: unknown) => this.deps.log.warn({ err, ip: msg.ban.ip }, 'ban not shared with the other tasks'))
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
  }

  /** Resolves once the bans received so far were written to the store (or failed to be). */
  async idle(): Promise<void> {
    await Promise.all(this.writes);
  }

  /** Reads the bans other tasks issued since the last poll (with some overlap) and passes the new ones on. */
  async poll(): Promise<void> {
    const { store, now } = this.deps;
    const at = now();
    for (const [ip, b] of this.bans) if (b.until <= at) this.bans.delete(ip); // served bans are forgotten
    if (!store) return;
    const since = this.lastPoll === undefined ? at - this.deps.banMs : this.lastPoll - POLL_OVERLAP_MS;
    for (const b of await store.issuedSince(since, at))
      this.learn({ ip: b.ip, until: b.until, reason: b.reason as BanReason });
    this.lastPoll = at;
  }

  start(): void {
    const pollMs = this.deps.pollMs ?? 10_000;
    const tick = () =>
      this.poll().catch((err: unknown) => this.deps.log.warn({ err }, 'could not read the other tasks’ bans'));
    void tick();
    this.timer = setInterval(tick, pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Records a ban that ends later than the one known, and tells every process but `from`; false when not news. */
  private learn(ban: SharedBan, from?: number): boolean {
    const known = this.bans.get(ban.ip);
    if (known && known.until >= ban.until) return false;
    this.bans.set(ban.ip, { until: ban.until, reason: ban.reason });
    for (const index of this.processes) if (index !== from) this.deps.send(index, { type: 'edgepool:ban', ban });
    return true;
  }

  private openChanged(ip: string, perProcess: Map<number, number>, from?: number): void {
    if (perProcess.size === 0) this.open.delete(ip);
    for (const index of this.processes) if (index !== from) this.sendElsewhere(ip, index);
  }

  private sendElsewhere(ip: string, index: number): void {
    let elsewhere = 0;
    for (const [i, n] of this.open.get(ip) ?? []) if (i !== index) elsewhere += n;
    this.deps.send(index, { type: 'edgepool:open', ip, open: elsewhere });
  }
}
