import type { StratumJob } from '../jobs/types.js';
import { encodeNotification } from './protocol.js';
import type { Session } from './session.js';

/** Encoded mining.notify lines of recent jobs, [clean_jobs false, clean_jobs true]; a job that is gone is collected. */
const lines = new WeakMap<object, [Buffer | undefined, Buffer | undefined]>();

/**
 * A job's notify line in any dialect (`encode` gives its text for the clean flag), encoded once per job and clean
 * flag and written as the same Buffer to every connection.
 */
export function jobLine<J extends object>(job: J, clean: boolean, encode: (job: J, clean: boolean) => string): Buffer {
  let pair = lines.get(job);
  if (!pair) {
    pair = [undefined, undefined];
    lines.set(job, pair);
  }
  const i = clean ? 1 : 0;
  pair[i] ??= Buffer.from(encode(job, clean));
  return pair[i];
}

/**
 * The mining.notify line of a job, encoded once per job and clean flag and written as the same Buffer to every
 * connection: its params are the same for all of them (set_difficulty is the per-connection part). Encoding it
 * again for each socket was most of a new block's fan-out.
 */
export function notifyLine(job: StratumJob, clean: boolean): Buffer {
  return jobLine(job, clean, encodeStratumNotify);
}

function encodeStratumNotify(job: StratumJob, clean: boolean): string {
  return encodeNotification('mining.notify', [
    job.jobId,
    job.prevHash,
    job.coinb1,
    job.coinb2,
    job.merkleBranch,
    job.version,
    job.nbits,
    job.ntime,
    clean,
  ]);
}

/** set_difficulty ‖ notify lines by notify line and wire difficulty: the connections at one difficulty share one. */
const withDifficulty = new WeakMap<Buffer, Map<number, Buffer>>();
/**
 * Distinct difficulties kept per job. Vardiff spreads miners over a few values (the port's steps); past the bound a
 * connection still gets one Buffer, built for it.
 */
const MAX_DIFFICULTIES_PER_JOB = 64;

/**
 * Stratum's work for a session (Stratum V1, EthereumStratum/1.0.0): mining.set_difficulty first when the session's
 * difficulty changed since it was last announced (`wireDifficulty`: the difficulty in the dialect's unit), then the
 * job's notify line. Always one Buffer, so one write (one syscall) per connection; both lines are encoded once per
 * job and difficulty, whatever the number of connections.
 */
export function stratumWork(
  session: Session,
  jobId: string,
  wireDifficulty: number,
  notify: Buffer,
): { jobId: string; lines: Array<string | Buffer> } {
  if (session.announcedDifficulty === session.difficulty) return { jobId, lines: [notify] };
  session.announcedDifficulty = session.difficulty;
  let byDifficulty = withDifficulty.get(notify);
  if (!byDifficulty) {
    byDifficulty = new Map();
    withDifficulty.set(notify, byDifficulty);
  }
  let line = byDifficulty.get(wireDifficulty);
  if (!line) {
    line = Buffer.concat([Buffer.from(encodeNotification('mining.set_difficulty', [wireDifficulty])), notify]);
    if (byDifficulty.size < MAX_DIFFICULTIES_PER_JOB) byDifficulty.set(wireDifficulty, line);
  }
  return { jobId, lines: [line] };
}
