import { performance } from 'node:perf_hooks';
import { StratumCode } from '../../../../core/errors.js';
import { hash32 } from '../../jobs/ethereum/job-book.js';
import type { EthJobProvider, EthShareSubmission } from '../../jobs/ethereum/types.js';
import type { MethodContext } from '../context.js';
import { acceptShare, rejectShare, type ShareWorker } from '../methods/submit.js';

/** What both Ethereum dialects submit: the job (by seal hash or id), the full nonce and, from EthProxy, the mix. */
export interface EthShare {
  headerHash?: string;
  jobId?: string;
  nonce: string;
  mixDigest?: string;
}

/**
 * Malformed share input: counted as an invalid share (the ban policy sees it, and `who`'s invalid count), answered
 * with 20 and why.
 */
export function malformedShare(ctx: MethodContext, message: string, who: ShareWorker): never {
  return rejectShare(ctx, StratumCode.Other, message, 'malformed', who);
}

/** A 32-byte hash parameter (0x optional, either case) as 64 lower-case hex, or a malformed-share refusal. */
export function hashParam(ctx: MethodContext, value: unknown, name: string, who: ShareWorker): string {
  const hash = hash32(value);
  if (hash === undefined) malformedShare(ctx, `${name} must be 32 bytes of hex (0x + 64 hex characters)`, who);
  return hash;
}

/**
 * Checks an Ethereum share with the family's job book, at the difficulty its job was sent at, and answers as every
 * dialect does (submit.ts `acceptShare`): refused shares counted toward bans, accepted ones `true` once durable.
 */
export async function submitEthShare(
  ctx: MethodContext,
  jobs: EthJobProvider,
  who: ShareWorker,
  share: EthShare,
): Promise<unknown> {
  const started = performance.now();
  const job = jobs.find(share);
  // A job not sent on this connection is checked at its current difficulty (a stale job is refused anyway).
  const difficulty = (job && ctx.session.jobDifficulty.get(job.jobId)) ?? ctx.session.difficulty;
  const submission: EthShareSubmission = { ...share, difficulty, miner: who.miner, worker: who.worker };
  const check = await jobs.checkShare(submission);
  return acceptShare(ctx, check, who, difficulty, started);
}
