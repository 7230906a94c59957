import { paysPerShare } from '../../core/rewards/config.js';
import { withLease } from '../shared/debit-lease.js';
import { type ConfirmDeps, type ConfirmReport, confirmBlocks } from './confirm.js';
import { creditPps, type PpsChain, type PpsReport } from './pps.js';

/** The lease a confirmation pass holds on the coin's ledger (`STATE/lease#confirm`): passes never overlap. */
export const CONFIRM_LEASE = 'confirm';
/** Longer than a pass may run (the confirm Lambda's 5-minute timeout), so that it only expires when its holder died. */
const CONFIRM_LEASE_MS = 6 * 60_000;

export interface ConfirmPassReport extends ConfirmReport {
  /** True when another pass held the lease: this one did nothing (the next scheduled one will). */
  busy: boolean;
  /** PPS/PoT coins: the rounds this pass credited. */
  pps?: PpsReport;
}

/**
 * One scheduled confirmation pass of a coin, the same in AWS and locally: blocks (confirmBlocks), then PPS/PoT rounds
 * (creditPps), holding the coin's confirmation lease. Two passes at once (a schedule firing while the last still
 * runs, `pool confirm` beside the local timer) would each be safe write by write, but the moves of a block out of
 * the chain and back assume one writer (a move starts only after the one before it is written): the lease makes the
 * second pass step aside at once. In AWS the confirm Lambda also has reserved concurrency 1.
 */
export async function runConfirmPass(deps: ConfirmDeps & { chain: PpsChain }): Promise<ConfirmPassReport> {
  const leased = await withLease(
    { coin: deps.coin.symbol, money: deps.money, log: deps.log, waitMs: 0 },
    { name: CONFIRM_LEASE, ms: CONFIRM_LEASE_MS, busy: 'another confirmation pass holds the lease; skipping this one' },
    async () => {
      const report = await confirmBlocks(deps);
      if (!paysPerShare(deps.rewards.scheme)) return { ...report, busy: false };
      return { ...report, busy: false, pps: await creditPps(deps) };
    },
  );
  if (leased.held) return leased.value;
  return { checked: 0, immature: 0, confirmed: 0, orphaned: 0, restored: 0, busy: true };
}
