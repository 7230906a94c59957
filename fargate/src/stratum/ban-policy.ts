import { type SecurityConfig, securitySchema } from '../../../core/config/schema.js';

/** The config schema's defaults: a server built without a config (tests, tools) is protected the same way. */
export const DEFAULT_SECURITY: SecurityConfig = securitySchema.parse({});

export type BanReason = 'malformed' | 'flood' | 'invalid-shares';

/** What a reported event did: nothing, or banned the IP (every connection from it is to be closed). */
export type Verdict = { banned: false } | { banned: true; reason: BanReason; message: string };

export type BanListener = (ip: string, ban: Verdict & { banned: true }, source: unknown) => void;

/** Whether a new connection from an IP may proceed; `message` is what the refused client is told. */
export type Admission = { ok: true } | { ok: false; reason: 'banned' | 'connection-limit'; message: string };

/** What the connection reports to the policy. `result` is the share outcome as metrics name it ("accepted", "stale"…). */
export type PolicyEvent = { kind: 'malformed' } | { kind: 'flood' } | { kind: 'share'; result: string };

/**
 * How a share outcome counts toward a ban. Stale shares are neutral: every honest miner sends some when a block
 * changes the job. So are shares the pool itself failed to record. Everything else refused is the miner's fault.
 */
export function shareKind(result: string): 'valid' | 'invalid' | 'neutral' {
  if (result === 'accepted') return 'valid';
  if (result === 'stale' || result === 'not-recorded') return 'neutral';
  return 'invalid';
}

/** One key per client: IPv4-mapped IPv6 ("::ffff:1.2.3.4", what a dual-stack listener reports) is the IPv4 address. */
export function normalizeIp(address: string): string {
  const a = address.toLowerCase();
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/.test(a) ? a.slice(7) : a;
}

/**
 * What bans and limits count by: an IPv4 address, or the /64 network of an IPv6 one ("2001:db8:1:2::/64"). One
 * IPv6 subscriber gets a /64 or more (RFC 6177) and picks any address in it, so per-address counts would give an
 * attacker 2^64 fresh identities.
 */
export function clientKey(address: string): string {
  const ip = normalizeIp(address);
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.split('%')[0]!.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  // An embedded IPv4 tail (64:ff9b::1.2.3.4) is two groups.
  const right = groups(tail).flatMap((g) => {
    if (!g.includes('.')) return [g];
    const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
    return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
  });
  const full =
    tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  const n = full.map((g) => Number.parseInt(g, 16) || 0);
  // IPv4-mapped in hex groups (::ffff:102:304, as a PROXY header's IPv6 source may carry it) is the IPv4 client.
  if (n.slice(0, 5).every((g) => g === 0) && n[5] === 0xffff) {
    return [n[6]! >> 8, n[6]! & 255, n[7]! >> 8, n[7]! & 255].join('.');
  }
  return `${n
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** A ban as the processes and tasks of a coin share it: the client key, when it ends (epoch ms) and why. */
export interface SharedBan {
  ip: string;
  until: number;
  reason: BanReason;
}

/** The `source` ban listeners are given for a ban that another process or task reported. */
export const SHARED_BAN: unique symbol = Symbol('shared ban');

export type OpenCountListener = (ip: string, open: number) => void;

interface IpStats {
  lastSeen: number;
  /** When the entry last moved to the end of the eviction order (at most once a second: see `touch`). */
  orderedAt: number;
  /** When `malformed` and `budget` last started over (every resetIntervalSeconds). */
  windowStart: number;
  malformed: number;
  /** Shares in the current verdict window (checkThreshold shares). */
  valid: number;
  invalid: number;
  /** New connections this IP may still open; valid shares add limitJump. */
  budget: number;
  /** 0 when not banned. */
  bannedUntil: number;
}

/** The eviction order's step: an IP seen again within it keeps its place (`touch`). */
const ORDER_STEP_MS = 1000;
/** Stops the scan for an unbanned IP to evict when the table is full of bans: insertion stays O(1). */
const EVICTION_SCAN = 64;

/**
 * open-ethereum-pool's policy (policy/policy.go) as a pure state machine over an injected clock, keyed by the real
 * client IP (an IPv6 client by its /64, `clientKey`):
 * - `malformedLimit` unusable requests ban the IP; one line over the size limit bans at once (their "socket flood");
 * - every `checkThreshold` shares the invalid ratio is checked and the counters start over; at `invalidPercent` or
 *   more the IP is banned. (open-ethereum-pool divides invalid by valid shares; here it is a percentage of the
 *   shares checked, as the name says.)
 * - a ban lasts `timeoutSeconds`; whitelisted IPs are never banned nor limited;
 * - after `graceSeconds` from start, each new connection spends one unit of the IP's budget (`limit`), each valid
 *   share adds `limitJump`; closing a connection gives nothing back, so reconnect loops without shares run dry.
 * - from the first second, an IP may hold at most `maxPerIp` connections open (closing one, `closed`, frees its
 *   place), counting those that the task's other processes report (`setOpenElsewhere`).
 * Bans reach the coin's other processes and tasks through `onBan` (fargate/src/task-bans.ts) and come back from them
 * through `applySharedBan`.
 * No I/O: servers ask `admit` on connect and report events; ban listeners (every port's server) close sockets.
 */
export class BanPolicy {
  private readonly stats = new Map<string, IpStats>();
  private readonly whitelist: ReadonlySet<string>;
  private readonly startedAt: number;
  private readonly listeners = new Set<BanListener>();
  /** Open connections per client key in this process, and as the task's other processes last reported them. */
  private readonly open = new Map<string, number>();
  private readonly elsewhere = new Map<string, number>();
  private readonly openListeners = new Set<OpenCountListener>();

  constructor(
    readonly config: SecurityConfig,
    private readonly now: () => number,
  ) {
    this.whitelist = new Set(config.banning.whitelist.map(clientKey));
    this.startedAt = now();
  }

  /** IPs with counters or a ban in memory. */
  get trackedIps(): number {
    return this.stats.size;
  }

  /**
   * A new connection from `address`: refused while banned, at `maxPerIp` open connections or out of connection
   * budget. An admitted connection counts as open until `closed` is called for it.
   */
  admit(address: string): Admission {
    const ip = clientKey(address);
    if (this.whitelist.has(ip)) return { ok: true };
    const s = this.touch(ip);
    const left = this.banSecondsLeft(s);
    if (left > 0) return { ok: false, reason: 'banned', message: `banned, ${left} s left` };
    const limits = this.config.connectionLimits;
    if (limits.enabled) {
      const open = (this.open.get(ip) ?? 0) + (this.elsewhere.get(ip) ?? 0);
      if (open >= limits.maxPerIp) {
        return { ok: false, reason: 'connection-limit', message: `too many open connections from this IP (${open})` };
      }
      if (this.now() - this.startedAt >= limits.graceSeconds * 1000) {
        if (s.budget <= 0) {
          return {
            ok: false,
            reason: 'connection-limit',
            message: 'too many connections from this IP; valid shares allow more',
          };
        }
        s.budget--;
      }
    }
    this.setOpen(ip, (this.open.get(ip) ?? 0) + 1);
    return { ok: true };
  }

  /** A connection `admit` let in has closed. */
  closed(address: string): void {
    const ip = clientKey(address);
    const n = this.open.get(ip);
    if (n !== undefined) this.setOpen(ip, n - 1);
  }

  /** Called whenever this process's count of open connections for a client key changes (to tell the others). */
  onOpenCount(listener: OpenCountListener): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  /** The open connections the task's other processes hold for a client key (their sum, as the primary reports it). */
  setOpenElsewhere(ip: string, open: number): void {
    if (open > 0) this.elsewhere.set(ip, open);
    else this.elsewhere.delete(ip);
  }

  /**
   * A ban another process or task reported: the key is refused until `until`, and listeners hear of it (source
   * `SHARED_BAN`) when it is news, so the key's connections here are closed too.
   */
  applySharedBan(ban: SharedBan): void {
    if (this.whitelist.has(ban.ip) || !this.config.banning.enabled || ban.until <= this.now()) return;
    const s = this.touch(ban.ip);
    const wasBanned = this.banSecondsLeft(s) > 0;
    s.bannedUntil = Math.max(s.bannedUntil, ban.until);
    if (wasBanned) return;
    const seconds = Math.ceil((ban.until - this.now()) / 1000);
    const verdict = { banned: true as const, reason: ban.reason, message: `banned for ${seconds} s (shared ban)` };
    for (const l of this.listeners) l(ban.ip, verdict, SHARED_BAN);
  }

  /** When the ban of `address` ends (epoch ms), or undefined when it is not banned. */
  banEnd(address: string): number | undefined {
    const s = this.stats.get(clientKey(address));
    return s !== undefined && this.banSecondsLeft(s) > 0 ? s.bannedUntil : undefined;
  }

  /** Called with every new ban (and the `source` given to `report`); returns the unsubscribe function. */
  onBan(listener: BanListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Counts an event of the IP's; on a ban, tells every listener before returning the verdict. */
  report(address: string, event: PolicyEvent, source?: unknown): Verdict {
    return this.reportClient(clientKey(address), event, source);
  }

  /**
   * `report` for a client key already worked out (`clientKey`; a connection's is its Session's `clientKey`): the
   * share path reports every share, and the key of an address that does not change need not be made each time.
   */
  reportClient(ip: string, event: PolicyEvent, source?: unknown): Verdict {
    const verdict = this.judge(ip, event);
    if (verdict.banned) for (const l of this.listeners) l(ip, verdict, source);
    return verdict;
  }

  isBanned(address: string): boolean {
    const s = this.stats.get(clientKey(address));
    return s !== undefined && this.banSecondsLeft(s) > 0;
  }

  /** Forgets IPs quiet for resetIntervalSeconds whose ban (if any) is over; returns how many. */
  sweep(): number {
    const now = this.now();
    const quietSince = now - this.config.resetIntervalSeconds * 1000;
    let forgotten = 0;
    for (const [ip, s] of this.stats) {
      if (s.lastSeen <= quietSince && s.bannedUntil <= now) {
        this.stats.delete(ip);
        forgotten++;
      }
    }
    return forgotten;
  }

  private judge(ip: string, event: PolicyEvent): Verdict {
    if (this.whitelist.has(ip)) return { banned: false };
    const s = this.touch(ip);
    if (event.kind === 'flood') return this.ban(s, 'flood', 'a line over the size limit');
    if (event.kind === 'malformed') {
      s.malformed++;
      return s.malformed >= this.config.banning.malformedLimit
        ? this.ban(s, 'malformed', `${s.malformed} malformed requests`)
        : { banned: false };
    }
    const kind = shareKind(event.result);
    if (kind === 'neutral') return { banned: false };
    if (kind === 'valid') {
      s.valid++;
      s.budget += this.config.connectionLimits.limitJump;
    } else {
      s.invalid++;
    }
    const checked = s.valid + s.invalid;
    if (checked < this.config.banning.checkThreshold) return { banned: false };
    const { invalid } = s;
    s.valid = 0;
    s.invalid = 0;
    const percent = (invalid * 100) / checked;
    return invalid > 0 && percent >= this.config.banning.invalidPercent
      ? this.ban(s, 'invalid-shares', `${invalid} of ${checked} shares invalid (${Math.round(percent)}%)`)
      : { banned: false };
  }

  private ban(s: IpStats, reason: BanReason, why: string): Verdict {
    if (!this.config.banning.enabled) return { banned: false };
    const seconds = this.config.banning.timeoutSeconds;
    s.bannedUntil = this.now() + seconds * 1000;
    return { banned: true, reason, message: `banned for ${seconds} s: ${why}` };
  }

  private setOpen(ip: string, n: number): void {
    if (n > 0) this.open.set(ip, n);
    else this.open.delete(ip);
    for (const l of this.openListeners) l(ip, n);
  }

  private banSecondsLeft(s: IpStats): number {
    return Math.max(0, Math.ceil((s.bannedUntil - this.now()) / 1000));
  }

  /** The IP's counters, fresh after a ban ended or a reset interval passed; most recently seen last (eviction order). */
  private touch(ip: string): IpStats {
    const now = this.now();
    let s = this.stats.get(ip);
    if (s && s.bannedUntil !== 0 && s.bannedUntil <= now) s = undefined; // a served ban starts the IP over
    if (s && now - s.windowStart >= this.config.resetIntervalSeconds * 1000) {
      s.windowStart = now;
      s.malformed = 0;
      s.budget = this.config.connectionLimits.limit;
    }
    const fresh = s === undefined;
    s ??= {
      lastSeen: now,
      orderedAt: now,
      windowStart: now,
      malformed: 0,
      valid: 0,
      invalid: 0,
      budget: this.config.connectionLimits.limit,
      bannedUntil: 0,
    };
    // Moved to the end at most once a second, not on every share (a delete and an insert each time): eviction goes
    // by when an IP was last seen to the second.
    if (fresh || now - s.orderedAt >= ORDER_STEP_MS) {
      s.orderedAt = now;
      this.stats.delete(ip);
      this.stats.set(ip, s);
    }
    s.lastSeen = now;
    if (this.stats.size > this.config.maxTrackedIps) this.evictOne(now);
    return s;
  }

  /** Drops the least recently seen IP that is not banned (or a banned one, when the EVICTION_SCAN oldest all are). */
  private evictOne(now: number): void {
    let scanned = 0;
    for (const [ip, s] of this.stats) {
      if (s.bannedUntil <= now || ++scanned >= EVICTION_SCAN) {
        this.stats.delete(ip);
        return;
      }
    }
  }
}
