import { performance } from 'node:perf_hooks';
import { isHexBytes } from '../../../../core/chain/hex.js';
import { StratumCode, StratumError } from '../../../../core/errors.js';
import type { ShareAck } from '../../../../core/ports/share-queue.js';
import { refusalKind } from '../../../../core/shares/refusals.js';
import type { Share } from '../../../../core/shares/share.js';
import { type CheckListener, PendingCheck } from '../../jobs/pending-check.js';
import { shareHexFields } from '../../jobs/share-fields.js';
import type { JobProvider, ShareCheck } from '../../jobs/types.js';
import { enqueueWithAck } from '../../queue/share-ack.js';
import { type MethodContext, type MethodHandler, PendingAnswer } from '../context.js';
import { trimmed } from '../protocol.js';

/** The submit's refusal of a field shareHexFields could not read. */
const MALFORMED_FIELD = {
  ntime: 'ntime must be 8 hex characters',
  nonce: 'nonce must be 8 hex characters',
  versionBits: 'version bits must be 8 hex characters',
} as const;

/** The authorized worker a share came from. */
export type ShareWorker = { miner: string; worker: string };

/**
 * Counts a rejected share (metrics, ban policy, and `who`'s stale/invalid/duplicate count when the worker is known
 * and the refusal its own: core/shares/refusals.ts) and throws the error the miner is answered with.
 */
export function rejectShare(
  ctx: MethodContext,
  code: StratumCode,
  message: string,
  reason: string,
  who?: ShareWorker,
): never {
  throw countRefusal(ctx, code, message, reason, who);
}

/** rejectShare's counting, returning the error to answer with (a settled PendingShare rejects with it). */
function countRefusal(
  ctx: MethodContext,
  code: StratumCode,
  message: string,
  reason: string,
  who?: ShareWorker,
): StratumError {
  ctx.session.rejected++;
  const coin = ctx.options.coin.symbol;
  ctx.metrics.shares.inc({ coin, result: reason });
  ctx.onShareResult(reason);
  const kind = who && refusalKind(reason);
  if (kind) ctx.shares.refused?.(coin, who.miner, who.worker, kind, ctx.now());
  return StratumError.quiet(code, message);
}

/**
 * mining.submit [username, jobId, extranonce2, ntime, nonce, versionBits?] → true.
 * `true` goes out only after the share is durable (the share queue's ack): a share a miner saw accepted is never
 * lost. Validation runs in request order; the wait for durability (up to a batch window) is a PendingAnswer, so one
 * connection's shares wait together. Rejections carry the standard codes (21 stale, 22 duplicate, 23 low
 * difficulty, 24 unauthorized, 25 not subscribed, 20 other). Not async: when the share check has its verdict at
 * once (sha256d), the share goes from the line to the queue without a promise; when it waits for its hash (scrypt:
 * a PendingCheck) the share's answer listens for it and the connection reads its next lines meanwhile; a promise of
 * a verdict (proxy mining) is what the connection waits for before the next message, as for any async handler.
 */
export const submit =
  (jobs: JobProvider): MethodHandler =>
  (ctx, params) => {
    const started = performance.now();
    const { session } = ctx;
    if (!session.subscribed) rejectShare(ctx, StratumCode.NotSubscribed, 'not subscribed', 'not-subscribed');
    const [username, jobId, extranonce2, ntime, nonce, versionBits] = params;
    const who = typeof username === 'string' ? session.workers.get(trimmed(username)) : undefined;
    if (!who) rejectShare(ctx, StratumCode.Unauthorized, 'unauthorized worker', 'unauthorized');
    if (typeof jobId !== 'string' || jobId.length === 0 || jobId.length > 64) {
      rejectShare(ctx, StratumCode.Other, 'job id must be a string', 'malformed', who);
    }
    // The share check's own reader (shareHexFields, one loop per field); a refusal here is 'malformed'.
    const en2Bytes = jobs.extranonce2Size;
    if (!isHexBytes(extranonce2, en2Bytes)) {
      rejectShare(ctx, StratumCode.Other, `extranonce2 must be ${en2Bytes * 2} hex characters`, 'malformed', who);
    }
    // Version bits (BIP310's sixth parameter) are 8 digits like ntime and nonce; null is "none", as absent.
    const fields = shareHexFields(ntime, nonce, versionBits === null ? undefined : versionBits);
    if (typeof fields === 'string') {
      rejectShare(ctx, StratumCode.Other, MALFORMED_FIELD[fields], 'malformed', who);
    }
    let rolled: string | undefined;
    const bits = fields.versionBits;
    // None rolled ('00000000'): the job's version as it is, as when absent.
    if (bits === 0) fields.versionBits = undefined;
    else if (bits !== undefined) {
      if ((bits & ~session.versionMask) >>> 0 !== 0) {
        rejectShare(
          ctx,
          StratumCode.Other,
          'version bits outside the negotiated mask (mining.configure)',
          'version-mask',
          who,
        );
      }
      rolled = bits.toString(16).padStart(8, '0');
    }
    const difficulty = session.jobDifficulty.get(jobId as string) ?? session.difficulty;
    const check = jobs.checkShare({
      jobId: jobId as string,
      extranonce1: session.extranonce1,
      // In the case the miner sent them: every share check reads hex in either case (ShareSubmission).
      extranonce2,
      ntime: ntime as string,
      nonce: nonce as string,
      versionBits: rolled,
      fields, // read once: the share check takes these numbers instead of reading the strings again
      difficulty,
      miner: who!.miner,
      worker: who!.worker,
    });
    // A verdict that waits for its turn's hash (scrypt): the share's answer listens for it, and the connection reads
    // its next lines meanwhile (their shares join the same turn's batch).
    if (check instanceof PendingCheck) {
      const answer = new PendingShare(ctx, who!, difficulty, started);
      check.listen(answer);
      return answer;
    }
    if (check instanceof Promise) return check.then((c) => acceptShare(ctx, c, who!, difficulty, started));
    return acceptShare(ctx, check, who!, difficulty, started);
  };

/** Stratum's rejection reasons (metrics, the ban policy) by code. */
const REJECTED = { 20: 'invalid', 21: 'stale', 22: 'duplicate', 23: 'low-difficulty' } as const;

/**
 * A share checked by its family: a refusal is counted and thrown; an accepted share is queued with its PoW hash (and
 * its block, already submitted) and answered `true` once durable. Every dialect's submit ends here.
 */
export function acceptShare(
  ctx: MethodContext,
  check: ShareCheck,
  who: ShareWorker,
  difficulty: number,
  started: number,
): PendingAnswer {
  return new PendingShare(ctx, who, difficulty, started).record(check);
}

/**
 * A share's answer: its verdict (at once, or from a PendingCheck it listens to), then, for an accepted share, the
 * share queue's ack: `true` (counted, seen by vardiff) once the share is durable, 20 "share not recorded" if it could
 * not be made so. One object per share, the check's listener, the queue's ack and the connection's pending answer at
 * once: no promise, no closure.
 */
class PendingShare extends PendingAnswer implements ShareAck, CheckListener<ShareCheck> {
  private coin: string;

  constructor(
    private readonly ctx: MethodContext,
    private readonly who: ShareWorker,
    private readonly difficulty: number,
    private readonly started: number,
  ) {
    super();
    this.coin = ctx.options.coin.symbol;
  }

  /**
   * A refusal is counted and thrown; an accepted share is queued with its PoW hash (and its block, already
   * submitted), this its ack.
   */
  record(check: ShareCheck): this {
    const { ctx, who } = this;
    if (!check.ok) return rejectShare(ctx, check.code, check.message, REJECTED[check.code], who);
    // A port over several coins (the switching port) credits each share on the coin its job was for.
    if (check.coin !== undefined) this.coin = check.coin;
    const share: Share = {
      coin: this.coin,
      miner: who.miner,
      worker: who.worker,
      height: check.height,
      difficulty: this.difficulty,
      actualDifficulty: check.actualDifficulty,
      networkDifficulty: check.networkDifficulty,
      timestamp: ctx.now(),
      ip: ctx.session.remote.address,
      hash: check.hash,
    };
    // Set only when present (no spread of an empty object per share): the queue and its schema see no undefined keys.
    if (check.block) share.block = check.block;
    // Merged mining: the aux blocks travel on the share to the parent's ingest, which records them per aux coin.
    if (check.auxBlocks) share.auxBlocks = check.auxBlocks;
    if (check.block) {
      ctx.metrics.blocks.inc({ coin: this.coin, result: check.block.submitResult });
      ctx.log.info({ ...check.block, miner: who.miner, worker: who.worker }, 'block found');
    }
    // A queue that throws is refused as one that rejects.
    enqueueWithAck(ctx.shares, share, this);
    return this;
  }

  checked(check: ShareCheck): void {
    try {
      this.record(check);
    } catch (err) {
      this.reject(err); // the refusal (a StratumError), or a failure answered as 'internal error'
    }
  }

  checkFailed(err: unknown): void {
    this.reject(err);
  }

  durable(): void {
    try {
      this.resolve(shareRecorded(this.ctx, this.coin, this.started));
    } catch (err) {
      this.reject(err); // answered as a handler's failure ('internal error'), never left unanswered
    }
  }

  failed(err: unknown): void {
    try {
      this.ctx.log.error({ err, miner: this.who.miner }, 'share could not be recorded');
      this.reject(countRefusal(this.ctx, StratumCode.Other, 'share not recorded, please resubmit', 'not-recorded'));
    } catch (thrown) {
      this.reject(thrown);
    }
  }
}

function shareRecorded(ctx: MethodContext, coin: string, started: number): true {
  const { session } = ctx;
  session.accepted++;
  ctx.metrics.shares.inc({ coin, result: 'accepted' });
  ctx.onShareResult('accepted');
  ctx.metrics.ackSeconds.observe({ coin }, (performance.now() - started) / 1000);
  const next = session.vardiff.onShare(session.difficulty, ctx.now());
  if (next !== undefined) {
    session.difficulty = next;
    ctx.sendWork(false);
  }
  return true;
}
