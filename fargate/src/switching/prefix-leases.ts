import { randomInt } from 'node:crypto';
import { ConfigError, PrefixLeaseError } from '../../../core/errors.js';
import type { PrefixClaimStore, PrefixLease, PrefixLeaseStore } from '../../../core/ports/stratum-coordination.js';

/**
 * One extranonce1 prefix leased in every coin's table (issue 17). A switching task starts its own job manager per
 * coin; if its prefix were held by one of those coins' own tasks, both job managers would hand out the same
 * extranonce1s on the same templates: identical coinbases, the same work credited twice. So the switching task's
 * prefix is taken with each coin's conditional put, and only counts when every coin granted it; a refusal gives back
 * the ones taken and tries another prefix. Renewal renews all: one lost (expired while storage was away and taken by
 * another task) makes the whole lease lost, and the task drains (fargate/src/task-prefix.ts `onLost`).
 */
export class AllCoinsPrefixLeases implements PrefixLeaseStore {
  private readonly bytes: number;

  constructor(
    /** Each coin's prefix leases (its stats table), in the port's coin order. */
    private readonly coins: readonly PrefixClaimStore[],
    private readonly o: {
      /** How many prefixes to try before giving up. */
      tries?: number;
      /** Picks the prefix to try (tests inject fixed ones to make conflicts). */
      pick?: (count: number) => number;
    } = {},
  ) {
    const sizes = new Set(coins.map((c) => c.bytes));
    if (coins.length === 0 || sizes.size !== 1)
      throw new ConfigError(`a switching task's coins need one prefix length, not ${[...sizes].join(', ') || 'none'}`);
    this.bytes = coins[0]!.bytes;
  }

  async acquire(owner: string, until: number, now: number): Promise<PrefixLease> {
    const tries = this.o.tries ?? 32;
    const pick = this.o.pick ?? ((n: number) => randomInt(n));
    for (let i = 0; i < tries; i++) {
      const prefix = pick(256 ** this.bytes)
        .toString(16)
        .padStart(this.bytes * 2, '0');
      const lease = { prefix, owner, until };
      const taken: PrefixClaimStore[] = [];
      try {
        for (const coin of this.coins) {
          if (!(await coin.claim(prefix, owner, until, now))) break;
          taken.push(coin);
        }
      } catch (err) {
        await this.giveBack(taken, lease);
        throw err;
      }
      if (taken.length === this.coins.length) return lease;
      await this.giveBack(taken, lease);
    }
    throw new PrefixLeaseError(`no extranonce1 prefix free in all ${this.coins.length} coins after ${tries} tries`);
  }

  /** False when any coin's lease is not the owner's any more; throws (retried) only when none said so. */
  async renew(lease: PrefixLease, until: number): Promise<boolean> {
    const results = await Promise.allSettled(this.coins.map((c) => c.renew(lease, until)));
    if (results.some((r) => r.status === 'fulfilled' && !r.value)) return false;
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return true;
  }

  async release(lease: PrefixLease): Promise<void> {
    const results = await Promise.allSettled(this.coins.map((c) => c.release(lease)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Gives back the coins' leases of a prefix another coin refused (each delete is conditional on the owner). */
  private async giveBack(taken: readonly PrefixClaimStore[], lease: PrefixLease): Promise<void> {
    await Promise.allSettled(taken.map((c) => c.release(lease)));
  }
}
