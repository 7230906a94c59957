/**
 * What the stratum tasks of one coin agree on through storage: bans (an IP banned by one task is refused by all)
 * and extranonce1 prefixes (no two live tasks hand out the same one). Each task's primary process talks to these
 * ports; its stratum processes hear from the primary (fargate/src/task-bans.ts, fargate/src/task-prefix.ts).
 */

/** A ban as tasks share it: the client key (IPv4 address or IPv6 /64), when it was issued and ends (epoch ms). */
export interface StoredBan {
  ip: string;
  reason: string;
  at: number;
  until: number;
}

export interface BanStore {
  /** Records a ban for the coin's other tasks; it disappears on its own some time after `until`. */
  put(ban: StoredBan): Promise<void>;
  /** Bans issued at or after `since` (epoch ms) that still run at `now`. */
  issuedSince(since: number, now: number): Promise<StoredBan[]>;
}

/** A task's hold on an extranonce1 prefix, which expires at `until` (epoch ms) unless renewed. */
export interface PrefixLease {
  prefix: string;
  owner: string;
  until: number;
}

export interface PrefixLeaseStore {
  /** A prefix free at `now` (never leased, released, or expired), now the owner's until `until`. */
  acquire(owner: string, until: number, now: number): Promise<PrefixLease>;
  /** Extends the owner's lease; false when it is not the owner's any more (it expired and another task took it). */
  renew(lease: PrefixLease, until: number): Promise<boolean>;
  /** Gives the prefix back (a drained task); nothing when it is not the owner's any more. */
  release(lease: PrefixLease): Promise<void>;
}

/**
 * A coin's prefix leases where a given prefix can be asked for: a switching task (issue 17) starts job managers of
 * several coins, so its prefix must be free in every one of their tables (fargate/src/switching/prefix-leases.ts).
 */
export interface PrefixClaimStore extends PrefixLeaseStore {
  /** The prefix length in bytes. */
  readonly bytes: number;
  /** Leases `prefix` (hex) to `owner` until `until` when it is free at `now`; false when a live lease holds it. */
  claim(prefix: string, owner: string, until: number, now: number): Promise<boolean>;
}
