import { fromStratumPrevHash, hexToU32, serializeHeader } from '../../../../core/chain/header.js';
import { rootFromBranch } from '../../../../core/chain/merkle.js';
import {
  bitsToDifficulty,
  bitsToTarget,
  difficultyToTarget,
  targetToDifficulty,
} from '../../../../core/chain/target.js';
import type { CoinDefinition } from '../../../../core/coins/index.js';
import { StratumCode } from '../../../../core/errors.js';
import type { Logger } from '../../../../core/ports/logger.js';
import { type HeaderHasher, hashSoon, sha256d } from '../../hashing/index.js';
import type { StratumMetrics } from '../../stratum/metrics.js';
import { JOBS_KEPT, JobStore, SHARES_PER_BLOCK } from '../job-store.js';
import { checkShareFields, type Rejection, reject } from '../share-fields.js';
import type { JobProvider, ShareCheck, ShareSubmission, StratumJob } from '../types.js';
import { type Carving, carve, coinbaseHeight, downstreamCoinb1, upstreamExtranonce2 } from './carve.js';
import type { UpstreamAnswer, UpstreamConnection, UpstreamNotify } from './upstream-connection.js';
import type { UpstreamPool } from './upstream-pool.js';

/** A downstream job and what its shares are rebuilt and forwarded with. */
interface ProxyJob {
  job: StratumJob;
  upstream: UpstreamNotify;
  conn: UpstreamConnection;
  carving: Carving;
  /** BIP310: the bits the upstream let us roll when the job came. */
  versionMask: number;
  /** The upstream's share difficulty when the job came: the forwarding threshold of its shares. */
  upstreamDifficulty: number;
  prevHash: Buffer;
  merkleBranch: Buffer[];
  networkTarget: bigint;
}

/** Forwarded shares and the upstream's answers, for logs, metrics and tests. */
export interface ForwardCounts {
  forwarded: number;
  accepted: number;
  rejected: number;
  /** Timed out, or the connection closed before answering: unknown upstream. */
  unanswered: number;
  /** Accepted locally but below the upstream's difficulty (never with the floor in place; counted to prove it). */
  belowUpstream: number;
}

export interface ProxyJobSourceOptions {
  coin: CoinDefinition;
  /** Our miners' extranonce1 (task prefix ‖ counter) and extranonce2 sizes, fixed for the coin's life. */
  extranonce1Size: number;
  extranonce2Size: number;
  powHash: HeaderHasher;
  logger: Logger;
  now: () => number;
  /** Each forwarded share's upstream verdict, counted per upstream. */
  metrics?: StratumMetrics['upstreamShares'];
}

/**
 * Proxy mining's job source: the serving upstream's jobs as our miners' StratumJobs (each connection's extranonce1
 * carved from the upstream's extranonce2: carve.ts), their shares checked natively against the connection's
 * difficulty (credited locally when they meet it) and forwarded upstream when they meet the upstream's. Every job's
 * `minDifficulty` is the upstream's difficulty, which the Stratum V1 dialect keeps each connection at or above.
 *
 * While no upstream serves, there is no current job and every old one is retired: miners get no new work and their
 * shares on the last one are refused as stale (21), since no one could use them. A new extranonce1 from the upstream
 * (mining.set_extranonce) retires every job too: the next notify, carved anew, is the first clean job on it. Retired
 * jobs are kept as the job manager keeps them (JobStore), so a resend of a share accepted before is a duplicate (22).
 */
export class ProxyJobSource implements JobProvider {
  readonly extranonce1Size: number;
  readonly extranonce2Size: number;
  private readonly jobs = new JobStore<ProxyJob>(JOBS_KEPT, SHARES_PER_BLOCK);
  private readonly listeners = new Set<(job: StratumJob) => void>();
  private readonly availability = new Set<(up: boolean) => void>();
  private difficulty: number | undefined;
  private carving: Carving | undefined;
  /** The next job obsoletes every older one (a new upstream, a new extranonce1). */
  private forceClean = true;
  private lastNotify: UpstreamNotify | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  readonly counts: ForwardCounts = { forwarded: 0, accepted: 0, rejected: 0, unanswered: 0, belowUpstream: 0 };
  private upstreams: UpstreamPool | undefined;

  constructor(private readonly o: ProxyJobSourceOptions) {
    this.extranonce1Size = o.extranonce1Size;
    this.extranonce2Size = o.extranonce2Size;
  }

  /** The upstream pool whose events this source follows (UpstreamPool takes this source's `events`). */
  attach(upstreams: UpstreamPool): void {
    this.upstreams = upstreams;
  }

  /** Whether an upstream serves jobs now. */
  get available(): boolean {
    return this.upstreams?.serving !== undefined && this.jobs.newest() !== undefined;
  }

  /** BIP310: the bits the serving upstream lets us roll (0 while none serves: nothing to forward to). */
  get versionMask(): number {
    return this.upstreams?.serving?.session.versionMask ?? 0;
  }

  /** Calls `listener` when upstream work starts (true: an upstream's first job) or stops (false: none serves). */
  onAvailability(listener: (up: boolean) => void): () => void {
    this.availability.add(listener);
    return () => this.availability.delete(listener);
  }

  current(): StratumJob | undefined {
    return this.jobs.newest()?.job;
  }

  onJob(listener: (job: StratumJob) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once every forwarded share has its upstream answer (or timed out). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** What the upstream pool reports to this source. */
  readonly events = {
    serving: (conn: UpstreamConnection) => {
      this.jobs.retire();
      this.difficulty = undefined;
      this.lastNotify = undefined;
      this.recarve(conn);
    },
    notify: (conn: UpstreamConnection, n: UpstreamNotify) => this.onNotify(conn, n),
    difficulty: (conn: UpstreamConnection, d: number) => {
      this.difficulty = d;
      // Our miners move to the new floor with the current work at once (the upstream checks new jobs at it).
      if (this.lastNotify && this.jobs.newest()) this.onNotify(conn, { ...this.lastNotify, cleanJobs: false });
    },
    extranonce: (conn: UpstreamConnection) => {
      // The upstream's jobs from now on build on the new extranonce1 (mining.set_extranonce applies from the next
      // notify): every job carved on the old one is retired, and the sizes are checked again.
      this.jobs.retire();
      this.lastNotify = undefined;
      this.recarve(conn);
    },
    lost: () => {
      const had = this.jobs.newest() !== undefined;
      this.jobs.retire();
      this.o.logger.error({ coin: this.o.coin.symbol }, 'no upstream serves: miners get no new work');
      if (had) for (const l of this.availability) l(false);
    },
  };

  async checkShare(s: ShareSubmission): Promise<ShareCheck> {
    const record = this.jobs.get(s.jobId);
    if (!record || record.conn.closed) return this.staleOrDuplicate(s);
    const built = this.header(record, s);
    if ('code' in built) return built;
    const { header } = built;
    const key = sha256d(header);
    const seen = this.jobs.seen.remember(key);
    if (seen === 'seen') return reject(StratumCode.Duplicate, 'duplicate share');
    if (seen === 'full') return reject(StratumCode.JobNotFound, 'share limit of this block reached');
    const hashed = hashSoon(this.o.powHash, header);
    const pow = Buffer.from(hashed instanceof Promise ? await hashed : hashed);
    const hash = pow.reverse().toString('hex');
    const value = BigInt(`0x${hash}`);
    const multiplier = this.o.coin.stratumDiffMultiplier;
    if (value > difficultyToTarget(s.difficulty, multiplier)) {
      this.jobs.seen.delete(key);
      return reject(StratumCode.LowDifficulty, 'low difficulty share');
    }
    if (value <= difficultyToTarget(record.upstreamDifficulty, multiplier)) {
      const params = [
        record.upstream.jobId,
        upstreamExtranonce2(record.carving, s.extranonce1.toLowerCase(), s.extranonce2.toLowerCase()),
        s.ntime.toLowerCase(),
        s.nonce.toLowerCase(),
        // BIP310: the rolled bits go upstream as the submit's sixth parameter, or the upstream hashes another header.
        ...(s.versionBits !== undefined ? [s.versionBits.padStart(8, '0')] : []),
      ];
      this.forward(record, params, s, value <= record.networkTarget);
    } else this.counts.belowUpstream++;
    return {
      ok: true,
      hash,
      actualDifficulty: targetToDifficulty(value, multiplier),
      networkDifficulty: record.job.networkDifficulty,
      height: record.job.height,
    };
  }

  /** 21 for a job we no longer have, unless it resends a share accepted before its job retired (22). */
  private staleOrDuplicate(s: ShareSubmission): Rejection {
    const retired = this.jobs.getRetired(s.jobId) ?? this.jobs.get(s.jobId);
    const built = retired && this.header(retired, s, { ignoreTime: true });
    const key = built && !('code' in built) ? sha256d(built.header) : undefined;
    if (key !== undefined && (this.jobs.retiredSeen.has(key) || this.jobs.seen.has(key)))
      return reject(StratumCode.Duplicate, 'duplicate share');
    return reject(StratumCode.JobNotFound, 'job not found (stale)');
  }

  /** The header a share builds on its job, or why it cannot be one (malformed fields, time, version bits). */
  private header(
    record: ProxyJob,
    s: ShareSubmission,
    o: { ignoreTime?: boolean } = {},
  ): { header: Buffer } | Rejection {
    // The upstream job's time is the earliest we know is valid; its own rules may allow less, never we more.
    const earliest = hexToU32(record.upstream.ntime, 'ntime');
    const fields = checkShareFields(s, this, earliest, this.o.now(), o.ignoreTime);
    if ('code' in fields) return fields;
    const { ntime } = fields;
    let version = hexToU32(record.upstream.version, 'version');
    if (fields.versionBits !== undefined) {
      // BIP310: only the bits the upstream let us roll; anything else it would refuse.
      const bits = fields.versionBits;
      const mask = record.versionMask;
      if ((bits & ~mask) >>> 0 !== 0) return reject(StratumCode.Other, 'version bits the upstream does not allow');
      version = ((version & ~mask) | (bits & mask)) >>> 0;
    }
    const coinbase = Buffer.from(
      record.job.coinb1 + s.extranonce1.toLowerCase() + s.extranonce2.toLowerCase() + record.job.coinb2,
      'hex',
    );
    const header = serializeHeader({
      version,
      prevHash: record.prevHash,
      merkleRoot: rootFromBranch(sha256d(coinbase), record.merkleBranch, sha256d),
      ntime,
      bits: hexToU32(record.upstream.nbits, 'nbits'),
      nonce: fields.nonce,
    });
    return { header };
  }

  /** Sends a share upstream without holding the miner's answer; its verdict is counted and logged when it comes. */
  private forward(record: ProxyJob, params: string[], s: ShareSubmission, block: boolean): void {
    const upstreams = this.upstreams;
    if (!upstreams) return;
    this.counts.forwarded++;
    const context = { upstream: record.conn.name, jobId: record.upstream.jobId, miner: s.miner, worker: s.worker };
    if (block) this.o.logger.info(context, 'share meets the network target: a block for the upstream');
    const sent = upstreams.submit(record.conn, params).then((answer: UpstreamAnswer) => {
      const result = answer.accepted
        ? 'accepted'
        : answer.code === 'timeout' || answer.code === 'closed'
          ? 'unanswered'
          : 'rejected';
      this.counts[result]++;
      this.o.metrics?.inc({ coin: this.o.coin.symbol, upstream: record.conn.name, result });
      if (result === 'unanswered') {
        this.o.logger.warn(
          { ...context, reason: !answer.accepted && answer.message },
          'forwarded share got no upstream answer',
        );
      } else if (!answer.accepted) {
        this.o.logger.warn({ ...context, code: answer.code, reason: answer.message }, 'upstream rejected a share');
      }
    });
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }

  /** The carving for a connection's extranonce sizes; an upstream without room for our miners is marked down. */
  private recarve(conn: UpstreamConnection): boolean {
    try {
      this.carving = carve(conn.session.extranonce2Size, this.extranonce1Size, this.extranonce2Size);
      this.forceClean = true;
      return true;
    } catch (err) {
      this.carving = undefined;
      this.upstreams?.markDown(conn.endpoint, (err as Error).message);
      return false;
    }
  }

  private onNotify(conn: UpstreamConnection, n: UpstreamNotify): void {
    if (!this.carving) return;
    const height = coinbaseHeight(n.coinb1);
    if (height === undefined) {
      // Shares of a job we cannot place in a round must not be credited: this upstream's work is unusable.
      this.upstreams?.markDown(conn.endpoint, `job ${n.jobId}: no BIP34 height at the start of coinb1`);
      return;
    }
    const network = this.networkOf(n.nbits);
    if (!network) {
      this.upstreams?.markDown(conn.endpoint, `job ${n.jobId}: nbits ${n.nbits} is no target`);
      return;
    }
    const newest = this.jobs.newest();
    const wasAvailable = newest !== undefined;
    const clean = this.forceClean || n.cleanJobs || newest?.upstream.prevHash !== n.prevHash;
    this.forceClean = false;
    this.lastNotify = n;
    const upstreamDifficulty = this.difficulty ?? 0;
    const job: StratumJob = {
      jobId: this.jobs.nextId(),
      prevHash: n.prevHash,
      coinb1: downstreamCoinb1(n.coinb1, conn.session.extranonce1, this.carving),
      coinb2: n.coinb2,
      merkleBranch: n.merkleBranch,
      version: n.version,
      nbits: n.nbits,
      ntime: n.ntime,
      cleanJobs: clean,
      height,
      networkDifficulty: network.difficulty,
      ...(upstreamDifficulty > 0 && { minDifficulty: upstreamDifficulty }),
    };
    this.jobs.add(
      {
        job,
        upstream: n,
        conn,
        carving: this.carving,
        versionMask: conn.session.versionMask,
        upstreamDifficulty,
        prevHash: fromStratumPrevHash(n.prevHash),
        merkleBranch: n.merkleBranch.map((b) => Buffer.from(b, 'hex')),
        networkTarget: network.target,
      },
      clean,
    );
    this.o.logger.debug({ jobId: job.jobId, upstreamJob: n.jobId, height, clean }, 'upstream job');
    if (!wasAvailable) for (const l of this.availability) l(true);
    for (const listener of this.listeners) {
      try {
        listener(job);
      } catch (err) {
        this.o.logger.error({ err, jobId: job.jobId }, 'job listener threw');
      }
    }
  }

  /** The network target and difficulty of a job's nbits; undefined for bits that are no target (0, negative, over). */
  private networkOf(nbits: string): { target: bigint; difficulty: number } | undefined {
    try {
      const bits = hexToU32(nbits, 'nbits');
      const target = bitsToTarget(bits);
      const difficulty = bitsToDifficulty(bits, this.o.coin.stratumDiffMultiplier);
      return target > 0n && Number.isFinite(difficulty) && difficulty > 0 ? { target, difficulty } : undefined;
    } catch {
      return undefined;
    }
  }
}
