import type { StratumJob } from '../jobs/types.js';
import { encodeNotification } from './protocol.js';
import type { Session } from './session.js';

/** Encoded mining.notify lines of recent jobs, [clean_jobs false, clean_jobs true]; a job that is gone is collected. */
const lines = new WeakMap<StratumJob, [Buffer | undefined, Buffer | undefined]>();

/**
 * The mining.notify line of a job, encoded once per job and clean flag and written as the same Buffer to every
 * connection: its params are the same for all of them (set_difficulty is the per-connection part). Encoding it
 * again for each socket was most of a new block's fan-out.
 */
export function notifyLine(job: StratumJob, clean: boolean): Buffer {
  let pair = lines.get(job);
  if (!pair) {
    pair = [undefined, undefined];
    lines.set(job, pair);
  }
  const i = clean ? 1 : 0;
  pair[i] ??= Buffer.from(
    encodeNotification('mining.notify', [
      job.jobId,
      job.prevHash,
      job.coinb1,
      job.coinb2,
      job.merkleBranch,
      job.version,
      job.nbits,
      job.ntime,
      clean,
    ]),
  );
  return pair[i];
}

/**
 * Stratum's work for a session (Stratum V1, EthereumStratum/1.0.0): mining.set_difficulty first when the session's
 * difficulty changed since it was last announced (`wireDifficulty`: the difficulty in the dialect's unit), then the
 * job's notify line.
 */
export function stratumWork(
  session: Session,
  jobId: string,
  wireDifficulty: number,
  notify: Buffer,
): { jobId: string; lines: Array<string | Buffer> } {
  const lines: Array<string | Buffer> = [];
  if (session.announcedDifficulty !== session.difficulty) {
    session.announcedDifficulty = session.difficulty;
    lines.push(encodeNotification('mining.set_difficulty', [wireDifficulty]));
  }
  lines.push(notify);
  return { jobId, lines };
}
