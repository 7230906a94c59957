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
import { type HeaderHasher, sha256d } from '../../hashing/index.js';
import { isHex, reject } from '../job-manager.js';
import { SeenShares } from '../seen-shares.js';
import type { JobProvider, ShareCheck, ShareSubmission, StratumJob } from '../types.js';
import { type Carving, carve, coinbaseHeight, downstreamCoinb1, upstreamExtranonce2 } from './carve.js';
import type { UpstreamAnswer, UpstreamConnection, UpstreamNotify } from './upstream-connection.js';
import type { UpstreamPool } from './upstream-pool.js';

/** BIP113/consensus: a header time may be up to 2 hours ahead of the node's clock (as the job manager checks). */
const MAX_FUTURE_SECONDS = 7200;
/** Recent upstream jobs our miners may still submit to (the job manager keeps as many). */
const MAX_JOBS = 16;
/** Shares remembered per previous block for duplicate detection (the job manager's default). */
const MAX_SHARES_PER_BLOCK = 2_000_000;

/** A downstream job and what its shares are rebuilt and forwarded with. */
interface ProxyJob {
  job: StratumJob;
  upstream: UpstreamNotify;
  conn: UpstreamConnection;
  carving: Carving;
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
}

/**
 * Proxy mining's job source: the serving upstream's jobs as our miners' StratumJobs (each connection's extranonce1
 * carved from the upstream's extranonce2: carve.ts), their shares checked natively against the connection's
 * difficulty (credited locally when they meet it) and forwarded upstream when they meet the upstream's. Every job's
 * `minDifficulty` is the upstream's difficulty, which the Stratum V1 dialect keeps each connection at or above.
 *
 * While no upstream serves, there is no current job and every old one is gone: miners get no new work and their
 * shares on the last one are refused as stale (21), since no one could use them.
 */
export class ProxyJobSource implements JobProvider {
  readonly extranonce1Size: number;
  readonly extranonce2Size: number;
  private readonly jobs = new Map<string, ProxyJob>();
  private seen = new SeenShares(MAX_SHARES_PER_BLOCK);
  private readonly listeners = new Set<(job: StratumJob) => void>();
  private readonly availability = new Set<(up: boolean) => void>();
  private counter = 0;
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
    return this.upstreams?.serving !== undefined && this.newest() !== undefined;
  }

  /** Calls `listener` when upstream work starts (true: an upstream's first job) or stops (false: none serves). */
  onAvailability(listener: (up: boolean) => void): () => void {
    this.availability.add(listener);
    return () => this.availability.delete(listener);
  }

  current(): StratumJob | undefined {
    return this.newest()?.job;
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
      this.dropJobs();
      this.difficulty = undefined;
      this.lastNotify = undefined;
      this.recarve(conn);
    },
    notify: (conn: UpstreamConnection, n: UpstreamNotify) => this.onNotify(conn, n),
    difficulty: (conn: UpstreamConnection, d: number) => {
      this.difficulty = d;
      // Our miners move to the new floor with the current work at once (the upstream checks new jobs at it).
      if (this.lastNotify && this.newest()) this.onNotify(conn, { ...this.lastNotify, cleanJobs: false });
    },
    extranonce: (conn: UpstreamConnection) => {
      this.dropJobs();
      if (this.recarve(conn) && this.lastNotify) this.onNotify(conn, { ...this.lastNotify, cleanJobs: true });
    },
    lost: () => {
      const had = this.newest() !== undefined;
      this.dropJobs();
      this.o.logger.error({ coin: this.o.coin.symbol }, 'no upstream serves: miners get no new work');
      if (had) for (const l of this.availability) l(false);
    },
  };

  async checkShare(s: ShareSubmission): Promise<ShareCheck> {
    const record = this.jobs.get(s.jobId);
    if (!record || record.conn.closed) return reject(StratumCode.JobNotFound, 'job not found (stale)');
    if (!isHex(s.extranonce1, this.extranonce1Size)) return reject(StratumCode.Other, 'invalid extranonce1');
    if (!isHex(s.extranonce2, this.extranonce2Size)) return reject(StratumCode.Other, 'incorrect size of extranonce2');
    if (!isHex(s.ntime, 4)) return reject(StratumCode.Other, 'invalid ntime');
    if (!isHex(s.nonce, 4)) return reject(StratumCode.Other, 'invalid nonce');
    const ntime = hexToU32(s.ntime, 'ntime');
    // The upstream job's time is the earliest we know is valid; its own rules may allow less, never we more.
    if (
      ntime < hexToU32(record.upstream.ntime, 'ntime') ||
      ntime > Math.floor(this.o.now() / 1000) + MAX_FUTURE_SECONDS
    )
      return reject(StratumCode.Other, 'ntime out of range');
    let version = hexToU32(record.upstream.version, 'version');
    if (s.versionBits !== undefined) {
      // BIP310: only the bits the upstream let us roll; anything else it would refuse.
      const bits = Number.parseInt(s.versionBits, 16) >>> 0;
      const mask = record.conn.session.versionMask;
      if ((bits & ~mask) >>> 0 !== 0) return reject(StratumCode.Other, 'version bits the upstream does not allow');
      version = ((version & ~mask) | (bits & mask)) >>> 0;
    }
    const extranonce1 = s.extranonce1.toLowerCase();
    const extranonce2 = s.extranonce2.toLowerCase();
    const coinbase = Buffer.from(record.job.coinb1 + extranonce1 + extranonce2 + record.job.coinb2, 'hex');
    const header = serializeHeader({
      version,
      prevHash: record.prevHash,
      merkleRoot: rootFromBranch(sha256d(coinbase), record.merkleBranch, sha256d),
      ntime,
      bits: hexToU32(record.upstream.nbits, 'nbits'),
      nonce: hexToU32(s.nonce, 'nonce'),
    });
    const key = sha256d(header).toString('latin1');
    if (this.seen.has(key)) return reject(StratumCode.Duplicate, 'duplicate share');
    if (!this.seen.add(key)) return reject(StratumCode.JobNotFound, 'share limit of this block reached');
    const hashed = this.o.powHash(header);
    const pow = Buffer.from(hashed instanceof Promise ? await hashed : hashed);
    const hash = pow.reverse().toString('hex');
    const value = BigInt(`0x${hash}`);
    const multiplier = this.o.coin.stratumDiffMultiplier;
    if (value > difficultyToTarget(s.difficulty, multiplier)) {
      this.seen.delete(key);
      return reject(StratumCode.LowDifficulty, 'low difficulty share');
    }
    if (value <= difficultyToTarget(record.upstreamDifficulty, multiplier)) {
      const params = [
        record.upstream.jobId,
        upstreamExtranonce2(record.carving, extranonce1, extranonce2),
        s.ntime.toLowerCase(),
        s.nonce.toLowerCase(),
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

  /** Sends a share upstream without holding the miner's answer; its verdict is counted and logged when it comes. */
  private forward(record: ProxyJob, params: string[], s: ShareSubmission, block: boolean): void {
    const upstreams = this.upstreams;
    if (!upstreams) return;
    this.counts.forwarded++;
    const context = { upstream: record.conn.name, jobId: record.upstream.jobId, miner: s.miner, worker: s.worker };
    if (block) this.o.logger.info(context, 'share meets the network target: a block for the upstream');
    const sent = upstreams.submit(record.conn, params).then((answer: UpstreamAnswer) => {
      if (answer.accepted) this.counts.accepted++;
      else if (answer.code === 'timeout' || answer.code === 'closed') {
        this.counts.unanswered++;
        this.o.logger.warn({ ...context, reason: answer.message }, 'forwarded share got no upstream answer');
      } else {
        this.counts.rejected++;
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
    const wasAvailable = this.newest() !== undefined;
    const newest = this.newest();
    const clean = this.forceClean || n.cleanJobs || newest?.upstream.prevHash !== n.prevHash;
    this.forceClean = false;
    this.lastNotify = n;
    const upstreamDifficulty = this.difficulty ?? 0;
    const job: StratumJob = {
      jobId: this.nextId(),
      prevHash: n.prevHash,
      coinb1: downstreamCoinb1(n.coinb1, conn.session.extranonce1, this.carving),
      coinb2: n.coinb2,
      merkleBranch: n.merkleBranch,
      version: n.version,
      nbits: n.nbits,
      ntime: n.ntime,
      cleanJobs: clean,
      height,
      networkDifficulty: bitsToDifficulty(hexToU32(n.nbits, 'nbits'), this.o.coin.stratumDiffMultiplier),
      ...(upstreamDifficulty > 0 && { minDifficulty: upstreamDifficulty }),
    };
    if (clean) this.dropJobs();
    this.jobs.set(job.jobId, {
      job,
      upstream: n,
      conn,
      carving: this.carving,
      upstreamDifficulty,
      prevHash: fromStratumPrevHash(n.prevHash),
      merkleBranch: n.merkleBranch.map((b) => Buffer.from(b, 'hex')),
      networkTarget: bitsToTarget(hexToU32(n.nbits, 'nbits')),
    });
    while (this.jobs.size > MAX_JOBS) this.jobs.delete(this.jobs.keys().next().value!);
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

  private dropJobs(): void {
    this.jobs.clear();
    this.seen = new SeenShares(MAX_SHARES_PER_BLOCK);
  }

  private newest(): ProxyJob | undefined {
    let last: ProxyJob | undefined;
    for (const r of this.jobs.values()) last = r;
    return last;
  }

  private nextId(): string {
    const id = this.counter.toString(16);
    this.counter = (this.counter + 1) % 0x100000000;
    return id;
  }
}
