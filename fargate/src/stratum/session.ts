import type { Vardiff } from './vardiff.js';

/**
 * Connection state machine: connected → subscribed → authorized. `mining.configure` may come at any point before
 * work starts; authorize may precede subscribe (some firmware does), work is sent once both happened.
 */
export type SessionState = 'connected' | 'subscribed' | 'authorized';

export interface Worker {
  miner: string;
  worker: string;
}

export class Session {
  state: SessionState = 'connected';
  subscribed = false;
  extranonce1 = '';
  /** Current share difficulty (what the last mining.set_difficulty said). */
  difficulty: number;
  /** Lowest difficulty this connection was told while each job was current: the difficulty its shares are checked at. */
  readonly jobDifficulty = new Map<string, number>();
  /** BIP310: the version bits this miner may roll (0 = no version rolling). */
  versionMask = 0;
  /** Authorized usernames on this connection (a proxy may authorize several). */
  readonly workers = new Map<string, Worker>();
  /** mining.extranonce.subscribe was sent: mining.set_extranonce may be used. */
  extranonceSubscribed = false;
  /** The miner asked for this difficulty before authorizing (password d=, suggest_difficulty). */
  requestedDifficulty: number | undefined;
  userAgent = '';
  accepted = 0;
  rejected = 0;

  constructor(
    readonly id: number,
    readonly remote: { address: string; port: number },
    initialDifficulty: number,
    readonly vardiff: Vardiff,
  ) {
    this.difficulty = initialDifficulty;
  }

  get authorized(): boolean {
    return this.workers.size > 0;
  }

  /** Records that `jobId` was sent at the current difficulty; keeps the lowest if sent again. */
  noteJobSent(jobId: string): void {
    const prev = this.jobDifficulty.get(jobId);
    this.jobDifficulty.set(jobId, prev === undefined ? this.difficulty : Math.min(prev, this.difficulty));
    // Jobs a miner can still submit to are few; keep the map small.
    if (this.jobDifficulty.size > 32) {
      const oldest = this.jobDifficulty.keys().next().value;
      if (oldest !== undefined) this.jobDifficulty.delete(oldest);
    }
  }
}
