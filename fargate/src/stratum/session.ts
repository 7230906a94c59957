import { JOBS_KEPT } from '../jobs/job-store.js';
import { clientKey } from './ban-policy.js';
import { SmallMap } from './small-map.js';
import type { Vardiff } from './vardiff.js';

/** A connection may cause this many log lines at once (a proxy authorizing its rigs), then one per LOG_REFILL_MS. */
const LOG_BURST = 64;
const LOG_REFILL_MS = 1000;

export interface Worker {
  miner: string;
  worker: string;
  /** Merged mining: the aux payout addresses the password gave (`doge=<address>`), by aux coin symbol. */
  auxAddresses?: Readonly<Record<string, string>>;
}

/**
 * One connection's state. The state machine is `subscribed` × `authorized` (at least one worker): mining.subscribe
 * once (a second one is refused: it would only make the pool send the job again), mining.authorize before or after
 * it (some firmware authorizes first), work and shares only once both happened (submit refuses with 25 / 24
 * otherwise). `mining.configure` may come at any point before work starts.
 */
export class Session {
  subscribed = false;
  extranonce1 = '';
  /** Current share difficulty (what the last work sent said, or is about to). */
  difficulty: number;
  /** The difficulty last announced to the miner (mining.set_difficulty, or the target of EthProxy work). */
  announcedDifficulty: number | undefined;
  /**
   * Lowest difficulty this connection was told while each job was current: the difficulty its shares are checked at.
   * A SmallMap: an idle miner that got one job holds no Map.
   */
  readonly jobDifficulty = new SmallMap<string, number>();
  /** BIP310: the version bits this miner may roll (0 = no version rolling). */
  versionMask = 0;
  /** Authorized usernames on this connection (a proxy may authorize several; most connections one: a SmallMap). */
  readonly workers = new SmallMap<string, Worker>();
  /** mining.extranonce.subscribe was sent: mining.set_extranonce may be used. */
  extranonceSubscribed = false;
  /** The miner asked for this difficulty before authorizing (password d=, suggest_difficulty). */
  requestedDifficulty: number | undefined;
  userAgent = '';
  accepted = 0;
  rejected = 0;
  private logTokens = LOG_BURST;
  private key: string | undefined;
  private logRefilledAt: number | undefined;

  constructor(
    readonly id: number,
    readonly remote: { address: string; port: number },
    initialDifficulty: number,
    readonly vardiff: Vardiff,
  ) {
    this.difficulty = initialDifficulty;
  }

  /** The ban policy's key of the client's address (ban-policy.ts `clientKey`), worked out once: the address is fixed. */
  get clientKey(): string {
    this.key ??= clientKey(this.remote.address);
    return this.key;
  }

  get authorized(): boolean {
    return this.workers.size > 0;
  }

  /** A job went out: from now on the miner hashes at `difficulty` and vardiff measures it. */
  get workStarted(): boolean {
    return this.jobDifficulty.size > 0;
  }

  /** Whether a line this client caused may be logged now: a client must not be able to flood the pool's logs. */
  mayLog(now: number): boolean {
    this.logRefilledAt ??= now;
    const refills = Math.floor((now - this.logRefilledAt) / LOG_REFILL_MS);
    if (refills > 0) {
      this.logTokens = Math.min(LOG_BURST, this.logTokens + refills);
      this.logRefilledAt += refills * LOG_REFILL_MS;
    }
    if (this.logTokens <= 0) return false;
    this.logTokens--;
    return true;
  }

  /** Records that `jobId` was sent at the current difficulty; keeps the lowest if sent again. */
  noteJobSent(jobId: string): void {
    const prev = this.jobDifficulty.get(jobId);
    this.jobDifficulty.set(jobId, prev === undefined ? this.difficulty : Math.min(prev, this.difficulty));
    // Only the jobs a miner can still submit to (a share for a job forgotten here is checked at the current difficulty).
    if (this.jobDifficulty.size > JOBS_KEPT) {
      const oldest = this.jobDifficulty.keys().next().value;
      if (oldest !== undefined) this.jobDifficulty.delete(oldest);
    }
  }
}
