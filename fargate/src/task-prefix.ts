import { randomBytes } from 'node:crypto';
import type { Logger } from '../../core/ports/logger.js';
import type { PrefixLease, PrefixLeaseStore } from '../../core/ports/stratum-coordination.js';
import { TASK_PREFIX_BYTES } from './stratum/extranonce.js';

export interface TaskPrefixDeps {
  /** The coin's prefix leases; without one (no stats table) the prefix is random and may collide. */
  leases?: PrefixLeaseStore;
  /** Unique per task. */
  owner: string;
  /** The prefix's length: the coin's family's `work.taskPrefixBytes` (default 2, the Bitcoin family's). */
  bytes?: number;
  now: () => number;
  /** A lease lasts this long unless renewed (a task that died frees its prefix after it). */
  leaseMs?: number;
  /** Renewed this often: several renewals may fail (storage away) before the lease runs out. */
  renewMs?: number;
  /** The lease was taken by another task (it ran out while storage was away): the task must stop serving. */
  onLost: () => void;
  log: Pick<Logger, 'warn' | 'error'>;
}

/** The task's extranonce1 prefix, held by a lease in the coin's stats table for as long as the task serves. */
export interface TaskPrefix {
  prefix: string;
  /** Stops renewing and gives the prefix back (after the task's connections are closed). */
  release(): Promise<void>;
}

/**
 * Leases an extranonce1 prefix (`bytes` long) no live task of the coin holds (a conditional write; adapters/aws/
 * dynamo-stratum-coordination.ts), renews it every `renewMs` and releases it on drain; a task that dies without
 * releasing it frees it when the lease runs out (`leaseMs`, and DynamoDB's TTL deletes the item later).
 */
export async function leaseTaskPrefix(deps: TaskPrefixDeps): Promise<TaskPrefix> {
  const { leases, now, log } = deps;
  if (!leases) {
    log.warn({}, 'no stats table: the extranonce1 prefix is random, not leased (tasks may collide)');
    return { prefix: randomBytes(deps.bytes ?? TASK_PREFIX_BYTES).toString('hex'), release: async () => {} };
  }
  const leaseMs = deps.leaseMs ?? 10 * 60_000;
  let lease: PrefixLease = await leases.acquire(deps.owner, now() + leaseMs, now());
  let released = false;
  const renew = async () => {
    const until = now() + leaseMs;
    try {
      if (await leases.renew(lease, until)) lease = { ...lease, until };
      else if (!released) {
        clearInterval(timer);
        log.error({ prefix: lease.prefix }, 'extranonce1 prefix lease lost to another task');
        deps.onLost();
      }
    } catch (err) {
      log.warn({ err, prefix: lease.prefix, until: lease.until }, 'extranonce1 prefix lease not renewed; retrying');
    }
  };
  const timer = setInterval(() => void renew(), deps.renewMs ?? leaseMs / 5);
  timer.unref();
  return {
    prefix: lease.prefix,
    release: async () => {
      released = true;
      clearInterval(timer);
      await leases.release(lease);
    },
  };
}
