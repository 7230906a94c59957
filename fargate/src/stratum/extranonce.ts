import { randomInt } from 'node:crypto';
import { ConfigError, StorageError } from '../../../core/errors.js';

/**
 * The task prefix: 2 bytes, leased per coin so that no two live tasks share one (fargate/src/task-prefix.ts). One
 * random byte per task, as before, gave two of ten tasks the same prefix with 16% odds.
 */
export const TASK_PREFIX_BYTES = 2;
/**
 * extranonce1 = task prefix ‖ 4-byte counter: room for 2^32 connections per task (a 2-byte counter would run out
 * under a subscribe-and-leave flood, each value being held `resumeMs` for a resume). extranonce2 stays at 4 bytes,
 * the size NiceHash and other proxies split further for their own miners.
 */
export const EXTRANONCE1_SIZE = TASK_PREFIX_BYTES + 4;

/**
 * Hands out extranonce1 values unique among this process's live connections. The first bytes are the task's
 * prefix, so several tasks behind one NLB never give two miners the same coinbase space.
 * A value released by a closed connection is kept reserved for `resumeMs` so the miner can resume its session
 * (mining.subscribe with the old session id) and keep working on the same extranonce1 — only from the client (IP,
 * or IPv6 /64) that held it: anyone else guessing a neighbouring session id gets a fresh value.
 *
 * Several processes of one task (fargate/src/main.ts, `POOL_STRATUM_PROCESSES`) share the task's prefix: each takes
 * its own `lane` of the counter space (counter ≡ lane.index mod lane.count), so they never hand out the same value.
 */
export interface ExtranonceLane {
  index: number;
  count: number;
}

export class ExtranonceAllocator {
  private readonly live = new Set<string>();
  /** Released values still resumable: until when, and by which client. */
  private readonly resumable = new Map<string, { until: number; client: string }>();
  private readonly counterBytes: number;
  private counter: number;

  constructor(
    readonly size: number,
    private readonly prefix: string,
    private readonly resumeMs = 10 * 60_000,
    private readonly lane: ExtranonceLane = { index: 0, count: 1 },
  ) {
    if (prefix.length % 2 !== 0 || !/^[0-9a-f]*$/.test(prefix) || prefix.length / 2 >= size) {
      throw new ConfigError(`instance prefix "${prefix}" must be hex and shorter than the ${size}-byte extranonce1`);
    }
    this.counterBytes = size - prefix.length / 2;
    if (!Number.isInteger(lane.count) || lane.count < 1 || lane.index < 0 || lane.index >= lane.count) {
      throw new ConfigError(`extranonce lane ${lane.index} of ${lane.count} is not a lane`);
    }
    // `counter` numbers this lane's slots: the value is slot × count + index.
    this.counter = randomInt(0, Math.min(this.slots(), 2 ** 47));
  }

  /** How many values this lane has. */
  private slots(): number {
    return Math.floor((2 ** (this.counterBytes * 8) - 1 - this.lane.index) / this.lane.count) + 1;
  }

  allocate(now: number): string {
    this.expire(now);
    const slots = this.slots();
    for (let tries = 0; tries < 1_000_000; tries++) {
      this.counter = (this.counter + 1) % slots;
      const n = this.counter * this.lane.count + this.lane.index;
      const value = this.prefix + n.toString(16).padStart(this.counterBytes * 2, '0');
      if (!this.live.has(value) && !this.resumable.has(value)) {
        this.live.add(value);
        return value;
      }
    }
    throw new StorageError('extranonce1 space exhausted');
  }

  /**
   * Takes back a released value for the same client's resuming session; undefined when it is unknown, expired, in
   * use or was released by another client.
   */
  resume(value: string, now: number, client = ''): string | undefined {
    this.expire(now);
    if (this.resumable.get(value)?.client !== client) return undefined;
    this.resumable.delete(value);
    this.live.add(value);
    return value;
  }

  /** A connection closed: its value stays reserved `resumeMs` for `client` to resume. */
  release(value: string, now: number, client = ''): void {
    if (this.live.delete(value)) this.resumable.set(value, { until: now + this.resumeMs, client });
  }

  liveCount(): number {
    return this.live.size;
  }

  private expire(now: number): void {
    for (const [v, { until }] of this.resumable) {
      if (until > now) break; // insertion order = expiry order
      this.resumable.delete(v);
    }
  }
}
