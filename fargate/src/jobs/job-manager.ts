import {
  AUXPOW_VERSION_FLAG,
  buildAuxPow,
  buildAuxTree,
  checkAuxPow,
  encodeAuxCommitment,
  encodeAuxPow,
} from '../../../core/auxpow/index.js';
import type { AuxFoundBlock, FoundBlock } from '../../../core/blocks/block.js';
import { toStratumPrevHash, u32ToHex } from '../../../core/chain/header.js';
import {
  bitsToDifficulty,
  difficultyToTarget,
  hashDifficulty,
  meetsTarget,
  targetToBytes,
} from '../../../core/chain/target.js';
import { type BlockTemplate, parseBlockTemplate } from '../../../core/chain/template.js';
import {
  blockHash,
  blockHexParts,
  blockTailHex,
  buildWork,
  ShareAssembler,
  type WorkSolution,
} from '../../../core/chain/work.js';
import type { CoinDefinition, NetworkName } from '../../../core/coins/index.js';
import { addressToOutputScript } from '../../../core/coins/index.js';
import { ConfigError, StratumCode } from '../../../core/errors.js';
import type { DaemonCluster } from '../../../core/ports/daemons.js';
import type { Logger } from '../../../core/ports/logger.js';
import { type HashReceiver, type HeaderHasher, sha256d, sha256dShareArea, shareHasher } from '../hashing/index.js';
import type { AuxChain } from './aux/aux-chain.js';
import { type AuxJobState, JOBS_KEPT, type JobRecord, JobStore, SHARES_PER_BLOCK } from './job-store.js';
import { PendingCheck } from './pending-check.js';
import { checkShareFields, type Rejection, reject } from './share-fields.js';
import { combineSubmitAnswers } from './submit-result.js';
import { TemplateFeed } from './template-feed.js';
import type { JobEconomics, JobProvider, ShareCheck, ShareSubmission, ShareVerdict, StratumJob } from './types.js';

export interface JobManagerOptions {
  coin: CoinDefinition;
  network: NetworkName;
  /** Receives every coinbase; validated here (throws InvalidAddressError). */
  poolAddress: string;
  daemons: DaemonCluster;
  logger: Logger;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Written into the coinbase scriptSig; with the extranonces it must fit the 100-byte limit. */
  poolTag?: string;
  /** Default 4: 2^32 connections per server before extranonce1 values repeat. */
  extranonce1Size?: number;
  /** Default 4: 2^32 coinbases per job per connection; ntime and version rolling multiply it. */
  extranonce2Size?: number;
  /** BIP310 bits miners may roll (the BIP's recommended 0x1fffe000 by default). */
  versionRollingMask?: number;
  pollIntervalMs?: number;
  refreshMs?: number;
  longPoll?: boolean;
  /** Recent jobs kept for late shares on the same previous block. */
  maxJobs?: number;
  /**
   * Most shares remembered (for duplicate detection) per previous block (SHARES_PER_BLOCK by default); beyond it new
   * shares are refused as stale until the next block. 4,000,000 is 11 minutes at 6,000 shares/s and 67 at 1,000
   * (10,000 miners at a share per 10 s): raise the minimum difficulty long before a block interval holds that many.
   */
  maxSharesPerBlock?: number;
  /**
   * The share verifier's PoW hash of a header; defaults to the native hash of the coin's algorithm
   * (fargate/src/hashing `shareHasher`). Returns a new Buffer (checkShare reverses it).
   */
  powHash?: HeaderHasher;
  /**
   * Merged mining: the aux chains of this parent (fargate/src/jobs/aux), in config order. Every job commits to the
   * work each of them has when the job is made; a change of an aux chain's work makes a new job at once. None: the
   * jobs and the share check are exactly those of a coin without merged mining.
   */
  auxChains?: readonly AuxChain[];
}

/** The version bits of an AuxPoW coin's own blocks that are neither its chain id (high 16) nor the 0x100 flag. */
const CHAIN_ID_FREE_VERSION_BITS = 0x0000fe00;

/**
 * Templates in, stratum jobs out; shares in, verdicts and blocks out. Implements the stratum server's JobProvider.
 */
export class JobManager implements JobProvider {
  readonly extranonce1Size: number;
  readonly extranonce2Size: number;
  private readonly store: JobStore;
  /** Shares remembered per previous block for duplicates (the option, or SHARES_PER_BLOCK). */
  readonly maxSharesPerBlock: number;
  private readonly feed: TemplateFeed;
  private readonly listeners = new Set<(job: StratumJob) => void>();
  private readonly payoutScript: Buffer;
  private readonly tag: Buffer;
  private readonly mask: number;
  private readonly powHash: HeaderHasher;
  private latest: BlockTemplate | undefined;
  /** The newest job's block after its coinbase (blockTailHex), made with the job: a found block only prepends. */
  private tail: { template: BlockTemplate; hex: string } | undefined;
  private readonly auxChains: readonly AuxChain[];
  /**
   * Share targets by difficulty as 32 big-endian bytes (meetsTarget: no BigInt per share): a port has a handful of
   * difficulties, and each target is a BigInt division.
   */
  private readonly targets = new Map<number, Buffer>();
  /** The previous block whose share limit was reported (once per block). */
  private fullAt: string | undefined;

  constructor(private readonly o: JobManagerOptions) {
    this.extranonce1Size = o.extranonce1Size ?? 4;
    this.extranonce2Size = o.extranonce2Size ?? 4;
    this.payoutScript = addressToOutputScript(o.coin, o.network, o.poolAddress);
    this.tag = Buffer.from(o.poolTag ?? '/edgepool/', 'utf8');
    // A coin whose block versions carry its AuxPoW chain id (DOGE mined on its own: 0x0062 in the high 16 bits, the
    // 0x100 flag) lets miners roll only the bits below the chain id and above the flag: rolling into the chain id makes
    // blocks its nodes refuse (high-hash), lost without a word. BIP320's 0x1fffe000 becomes 0x0000e000.
    const mask = o.versionRollingMask ?? 0x1fffe000;
    this.mask = o.coin.auxpow ? (mask & CHAIN_ID_FREE_VERSION_BITS) >>> 0 : mask;
    this.auxChains = o.auxChains ?? [];
    if (this.auxChains.length > 0 && (this.mask & AUXPOW_VERSION_FLAG) !== 0) {
      // An aux node refuses a parent carrying the auxpow flag ("auxpow parent block has auxpow version").
      throw new ConfigError(
        `${o.coin.symbol}: the version rolling mask 0x${this.mask.toString(16)} lets miners set bit 0x100, which merged mining forbids on the parent`,
      );
    }
    // A new aux block: a new job at once, committing to it (the parent's previous block did not change: not clean).
    for (const chain of this.auxChains) chain.onChange(() => this.auxChanged(chain));
    this.powHash = o.powHash ?? shareHasher(o.coin.algorithm);
    this.maxSharesPerBlock = o.maxSharesPerBlock ?? SHARES_PER_BLOCK;
    this.store = new JobStore(o.maxJobs ?? JOBS_KEPT, this.maxSharesPerBlock);
    this.feed = new TemplateFeed({
      daemons: o.daemons,
      rules: o.coin.gbtRules,
      onTemplate: (raw, fromTip) => this.applyTemplate(raw, { fromTip }),
      currentPrevHash: () => this.latest?.previousblockhash,
      currentLongPollId: () => this.latest?.longpollid,
      logger: o.logger,
      pollIntervalMs: o.pollIntervalMs ?? 1000,
      refreshMs: o.refreshMs ?? 30_000,
      longPoll: o.longPoll ?? true,
    });
  }

  /** BIP310: the bits this coin's shares may roll (mining.configure grants the port's mask ∩ this). */
  get versionMask(): number {
    return this.mask;
  }

  /** Starts following the daemon; resolves once the first job exists (rejects if the first template failed). */
  start(): Promise<void> {
    return this.feed.start();
  }

  stop(): void {
    this.feed.stop();
  }

  /** Fetches a template now (blocknotify hook); a new previous block gives a clean job. */
  refresh(): Promise<void> {
    return this.feed.refresh();
  }

  current(): StratumJob | undefined {
    return this.store.newest()?.job;
  }

  /** What the newest job pays if a share is a block (the switching port's earnings); undefined before the first job. */
  economics(): JobEconomics | undefined {
    const record = this.store.newest();
    if (!record) return undefined;
    return {
      height: record.job.height,
      reward: record.work.template.coinbasevalue,
      target: record.work.networkTarget,
      aux: (record.aux?.chains ?? []).map(({ work }) => ({
        coin: work.coin,
        height: work.height,
        reward: work.coinbaseValue,
        target: work.target,
      })),
    };
  }

  onJob(listener: (job: StratumJob) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Turns a getblocktemplate answer into the newest job. Long poll, tip poll and refresh race, so an answer for a
   * lower height than the current job is ignored, unless it comes from the tip poll having seen the chain move there
   * (a reorg to a shorter chain with more work, or invalidateblock on regtest). A template that would give the same
   * work as the newest job (the 30 s refresh of an unchanged mempool) makes no new job.
   */
  applyTemplate(raw: unknown, { fromTip = false } = {}): StratumJob | undefined {
    const template = parseBlockTemplate(raw);
    const previous = this.latest;
    if (previous && template.height < previous.height && !fromTip) return undefined;
    return this.makeJob(template, previous);
  }

  /** The newest template again with the aux chains' new work (a new aux block, an aux chain out or back). */
  private auxChanged(chain: AuxChain): void {
    const template = this.latest;
    if (!template) return;
    try {
      this.makeJob(template, template);
    } catch (err) {
      this.o.logger.error({ err, coin: chain.coin }, 'new job for new aux work failed');
    }
  }

  /** The aux chains that have work now, their tree and the commitment to it; undefined when none has work. */
  private auxState(): { state: AuxJobState; commitment: Buffer } | undefined {
    if (this.auxChains.length === 0) return undefined;
    const live = this.auxChains.flatMap((chain) => {
      const work = chain.current();
      return work ? [{ chain, work }] : [];
    });
    if (live.length === 0) return undefined;
    const tree = buildAuxTree(live.map(({ work }) => ({ chainId: work.chainId, hash: work.leaf })));
    const state: AuxJobState = {
      size: tree.size,
      nonce: tree.nonce,
      chains: live.map(({ chain, work }, i) => ({
        chain,
        work,
        index: tree.slots[i]!.index,
        branch: tree.slots[i]!.branch,
        targetBytes: targetToBytes(work.target),
      })),
    };
    return { state, commitment: encodeAuxCommitment(tree) };
  }

  private makeJob(template: BlockTemplate, previous: BlockTemplate | undefined): StratumJob | undefined {
    const clean = previous?.previousblockhash !== template.previousblockhash;
    const aux = this.auxState();
    const work = buildWork(template, {
      script: this.payoutScript,
      tag: this.tag,
      extranonce1Size: this.extranonce1Size,
      extranonce2Size: this.extranonce2Size,
      ...(aux && { auxCommitment: aux.commitment }),
    });
    const job: StratumJob = {
      jobId: this.store.nextId(),
      prevHash: toStratumPrevHash(work.prevHash),
      coinb1: work.coinbase.coinb1.toString('hex'),
      coinb2: work.coinbase.coinb2.toString('hex'),
      merkleBranch: work.merkleBranch.map((b) => b.toString('hex')),
      version: u32ToHex(template.version),
      nbits: u32ToHex(template.bits),
      ntime: u32ToHex(template.curtime),
      cleanJobs: clean,
      height: template.height,
      networkDifficulty: bitsToDifficulty(template.bits, this.o.coin.stratumDiffMultiplier),
    };
    this.latest = template; // its longpollid is the one to wait on, whether or not it makes a job
    const newest = this.store.newest()?.job;
    if (!clean && newest && sameWork(newest, job)) {
      this.o.logger.debug({ jobId: newest.jobId, height: job.height }, 'template unchanged');
      return undefined;
    }
    const shares = new ShareAssembler(work, this.extranonce1Size, this.extranonce2Size, sha256dShareArea);
    this.store.add({ job, work, shares, ...(aux && { aux: aux.state }) }, clean);
    this.tail = { template, hex: blockTailHex(template) };
    const fields = {
      jobId: job.jobId,
      height: job.height,
      clean,
      txs: template.transactions.length,
      ...(aux && { aux: aux.state.chains.map((c) => `${c.work.coin}@${c.work.height}`) }),
    };
    // New blocks are worth an info line; the 30 s transaction refreshes would only be noise there.
    if (clean) this.o.logger.info(fields, 'new block template');
    else this.o.logger.debug(fields, 'template refreshed');
    for (const listener of this.listeners) {
      try {
        listener(job);
      } catch (err) {
        this.o.logger.error({ err, jobId: job.jobId }, 'job listener threw');
      }
    }
    return job;
  }

  /**
   * Synchronous for the common share (a synchronous PoW hash, neither a block nor an aux target met): the share path
   * then costs no promise or microtask. A share whose hash waits for its turn's batch (scrypt) is a PendingCheck
   * that the hash settles, still without a promise; a promise only for a block's (and aux blocks') submission, which
   * comes before the verdict.
   */
  checkShare(s: ShareSubmission): ShareVerdict {
    const record = this.store.get(s.jobId);
    if (!record) return this.staleOrDuplicate(s);
    const parsed = this.parseSubmission(s, record);
    if ('code' in parsed) return parsed;

    // The header's SHA-256d in one native call (coinbase, merkle branch, header): the assembler's digest, no Buffer.
    const digest = record.shares.hashHeader(parsed);
    // The header is the work: the same solution under another job id of this previous block is the same share.
    // Remembered before the hash may wait for the turn's end (scrypt batch): the same submission meanwhile is a
    // duplicate.
    const seen = this.store.seen.remember(digest);
    if (seen === 'seen') return reject(StratumCode.Duplicate, 'duplicate share');
    if (seen === 'full') return this.blockFull(record);
    // A sha256d coin's PoW is the digest: not hashed twice, judged before the scratch is used again.
    if (this.powHash === sha256d) return this.judgeShare(s, record, parsed, undefined, digest, digest);
    // Another PoW (scrypt) may wait for its turn's batch: the header and the digest are kept as copies, and the
    // verdict is a PendingCheck that the hash settles (no promise, no closure: the check is the hash's receiver).
    const header = record.shares.headerCopy();
    const later = new ShareAwaitingHash(this, s, record, parsed, header, Buffer.from(digest));
    const hashed = this.powHash(header, later);
    return hashed === undefined ? later : later.judged(hashed);
  }

  /**
   * A share's PoW hash against its targets: the verdict, after submitting its block or aux blocks if it found any.
   * Internal: checkShare's, and its ShareAwaitingHash's once the hash comes.
   */
  judgeShare(
    s: ShareSubmission,
    record: JobRecord,
    parsed: WorkSolution,
    header: Buffer | undefined,
    digest: Buffer,
    pow: Buffer,
  ): ShareCheck | Promise<ShareCheck> {
    if (!meetsTarget(pow, this.shareTarget(s.difficulty), 'le')) {
      // Not a share: it may come again and be refused for its difficulty again. (`pow` may be `digest`: not reversed.)
      this.store.seen.delete(digest);
      return reject(StratumCode.LowDifficulty, 'low difficulty share');
    }
    // Display order (reversed in place: `pow` is ours) is the big-endian PoW value: compared with the targets as bytes.
    const display = pow.reverse();
    const result = {
      ok: true as const,
      hash: display.toString('hex'),
      // Statistics only (credit is the share's difficulty, the decisions above and below are byte compares): a float
      // from the bytes, no BigInt division.
      actualDifficulty: hashDifficulty(display, this.o.coin.stratumDiffMultiplier),
      networkDifficulty: record.job.networkDifficulty,
      height: record.job.height,
    };
    const isBlock = meetsTarget(display, record.shares.networkTarget);
    // An aux target met (a byte compare per chain): submitAuxBlocks decides which are still worth submitting.
    const auxMet = record.aux?.chains.some((c) => meetsTarget(display, c.targetBytes)) ?? false;
    if (!isBlock && !auxMet) return result;
    // No header: the assembler's scratch still holds this share's (judged in the same call as it was hashed).
    const found = header ?? record.shares.headerCopy();
    return this.submitFound(record, parsed, found, s, BigInt(`0x${result.hash}`), result, isBlock);
  }

  /** The parent block first, on its own; then the aux chains whose targets the share met (with their own state). */
  private async submitFound(
    record: JobRecord,
    parsed: WorkSolution,
    header: Buffer,
    s: ShareSubmission,
    value: bigint,
    result: Extract<ShareCheck, { ok: true }>,
    isBlock: boolean,
  ): Promise<ShareCheck> {
    // The coinbase (a copy: the assembler's scratch is reused by the next share) only for a block or an aux proof.
    const coinbase = record.shares.coinbase(parsed);
    const block = isBlock ? await this.submitBlock(record, coinbase, header, s) : undefined;
    const auxBlocks = record.aux && (await this.submitAuxBlocks(record, record.aux, value, coinbase, header, s));
    if (!block && !auxBlocks) return result;
    return { ...result, ...(block && { block }), ...(auxBlocks && { auxBlocks }) };
  }

  /**
   * Every aux chain of the share's job whose target its PoW hash meets: the AuxPoW built from the share's own
   * coinbase and header and the job's snapshot (slot, branch, hash), submitted to the node that made the work.
   * Undefined when the share met no aux target (one bigint comparison per chain: the common case).
   */
  private async submitAuxBlocks(
    record: JobRecord,
    aux: AuxJobState,
    value: bigint,
    coinbase: Buffer,
    header: Buffer,
    s: ShareSubmission,
  ): Promise<AuxFoundBlock[] | undefined> {
    const met = aux.chains.filter((c) => value <= c.work.target && !c.chain.wasAccepted(c.work.hash));
    if (met.length === 0) return undefined;
    const parent = { coinbase, coinbaseBranch: record.work.merkleBranch, header };
    return Promise.all(
      met.map(async ({ work, index, branch, chain }): Promise<AuxFoundBlock> => {
        const auxpow = buildAuxPow(parent, { chainId: work.chainId, hash: work.leaf, index, branch });
        const context = { coin: work.coin, hash: work.hash, height: work.height, jobId: s.jobId, miner: s.miner };
        // The node answers only `false`; our own reading of the same rules says why, before it is sent.
        const own = checkAuxPow(auxpow, work.leaf, work.chainId);
        if (!own.ok) this.o.logger.error({ ...context, reason: own.message }, 'aux proof fails our own check');
        const verdict = await chain.submit(work, encodeAuxPow(auxpow).toString('hex'));
        if (verdict.outcome === 'accepted') this.o.logger.info(context, 'aux block found and accepted');
        else this.o.logger.error({ ...context, answer: verdict.text }, 'aux block found but not accepted');
        return {
          coin: work.coin,
          height: work.height,
          hash: work.hash,
          reward: work.coinbaseValue.toString(),
          networkDifficulty: work.networkDifficulty,
          submitResult: verdict.text,
        };
      }),
    );
  }

  private shareTarget(difficulty: number): Buffer {
    let target = this.targets.get(difficulty);
    if (target === undefined) {
      // Vardiff moves in steps, but a long-running server could meet many values: keep the map small.
      if (this.targets.size >= 1024) this.targets.clear();
      target = targetToBytes(difficultyToTarget(difficulty, this.o.coin.stratumDiffMultiplier));
      this.targets.set(difficulty, target);
    }
    return target;
  }

  /** 21 for a job we no longer have, unless it is a resend of a share accepted before its job retired (22). */
  private staleOrDuplicate(s: ShareSubmission): Rejection {
    const retired = this.store.getRetired(s.jobId);
    const parsed = retired && this.parseSubmission(s, retired, { ignoreTime: true });
    if (retired && parsed && !('code' in parsed)) {
      if (this.store.retiredSeen.has(retired.shares.hashHeader(parsed)))
        return reject(StratumCode.Duplicate, 'duplicate share');
    }
    return reject(StratumCode.JobNotFound, 'job not found (stale)');
  }

  /** The block's share memory is full: refused as stale (neutral for bans), logged once per previous block. */
  private blockFull(record: JobRecord): Rejection {
    if (this.fullAt !== record.job.prevHash) {
      this.fullAt = record.job.prevHash;
      this.o.logger.error(
        { height: record.job.height, shares: this.store.seen.size },
        'share limit of this block reached: new shares are refused until the next block; raise the minimum difficulty or coins[].jobs.maxSharesPerBlock',
      );
    }
    return reject(StratumCode.JobNotFound, 'share limit of this block reached');
  }

  private parseSubmission(
    s: ShareSubmission,
    record: JobRecord,
    { ignoreTime = false } = {},
  ): WorkSolution | Rejection {
    const template = record.work.template;
    const fields = checkShareFields(s, this, template.mintime ?? template.curtime, this.o.now(), ignoreTime);
    if ('code' in fields) return fields;
    let version = template.version;
    if (fields.versionBits !== undefined) {
      // BIP310: the miner may only change the negotiated bits; the rest stays the template's.
      version = ((version & ~this.mask) | (fields.versionBits & this.mask)) >>> 0;
    }
    // The extranonces' hex goes into the coinbase as it is: the assembler reads either case.
    return {
      extranonce1: s.extranonce1,
      extranonce2: s.extranonce2,
      ntime: fields.ntime,
      nonce: fields.nonce,
      version,
    };
  }

  private async submitBlock(
    record: JobRecord,
    coinbase: Buffer,
    header: Buffer,
    s: ShareSubmission,
  ): Promise<FoundBlock> {
    const template = record.work.template;
    // The block as hex pieces: the template's transactions go into the request as they came (no copy of the block).
    const tail = this.tail?.template === template ? this.tail.hex : undefined;
    const hex = blockHexParts(record.work, coinbase, header, tail);
    let verdict: { outcome: string; text: string };
    try {
      verdict = combineSubmitAnswers(await this.o.daemons.submitBlockEverywhere(hex));
    } catch (err) {
      verdict = { outcome: 'error', text: `error: ${err instanceof Error ? err.message : String(err)}` };
    }
    // The block's hash, for the record and the logs, once the block has left: the daemon client writes the request
    // within submitBlockEverywhere's call (adapters/rpc/kept-connection.ts), so nothing is done before it.
    const hash = blockHash(header);
    const found: FoundBlock = {
      height: template.height,
      hash,
      reward: template.coinbasevalue.toString(),
      networkDifficulty: record.job.networkDifficulty,
      submitResult: verdict.text,
    };
    const context = { ...found, miner: s.miner, worker: s.worker, jobId: s.jobId };
    if (verdict.outcome === 'accepted') this.o.logger.info(context, 'block found and accepted');
    else if (verdict.outcome === 'duplicate' || verdict.outcome === 'inconclusive') {
      this.o.logger.warn(context, `block found, daemon answered ${verdict.outcome}`);
    } else this.o.logger.error({ ...context, blockHex: hex.join('') }, 'block found but not accepted');
    // Our own block changed the tip: get miners onto it without waiting for long poll or the tip poll.
    this.feed.refresh().catch((err) => this.o.logger.warn({ err }, 'template refresh after a found block failed'));
    return found;
  }
}

/** Whether two jobs of one previous block give miners the same work (only their ids and start times differ). */
function sameWork(a: StratumJob, b: StratumJob): boolean {
  return (
    a.prevHash === b.prevHash &&
    a.coinb1 === b.coinb1 &&
    a.coinb2 === b.coinb2 &&
    a.version === b.version &&
    a.nbits === b.nbits &&
    a.height === b.height &&
    a.merkleBranch.length === b.merkleBranch.length &&
    a.merkleBranch.every((branch, i) => branch === b.merkleBranch[i])
  );
}

/**
 * A share whose PoW hash waits for its turn's batch (scrypt): the hash's receiver and the share's PendingCheck in one
 * object, settled with JobManager.judgeShare's verdict when the hash comes.
 */
class ShareAwaitingHash extends PendingCheck<ShareCheck> implements HashReceiver {
  constructor(
    private readonly manager: JobManager,
    private readonly s: ShareSubmission,
    private readonly record: JobRecord,
    private readonly parsed: WorkSolution,
    private readonly header: Buffer,
    private readonly key: Buffer,
  ) {
    super();
  }

  hashed(pow: Buffer): void {
    this.resolve(this.judged(pow));
  }

  hashFailed(err: unknown): void {
    this.reject(err);
  }

  /** The verdict of this share's PoW hash: settles this check when the hash came later, is returned when at once. */
  judged(pow: Buffer): ShareCheck | Promise<ShareCheck> {
    return this.manager.judgeShare(this.s, this.record, this.parsed, this.header, this.key, pow);
  }
}
