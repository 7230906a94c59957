import { isOpenPayoutStatus, type PayoutRecord } from '../ledger/payouts.js';
import type { ConversionPreference } from '../ports/conversion-store.js';
import type { ConversionRecord } from './record.js';

/*
 * One confirmed balance, one way out. A miner's confirmed balance of a coin is taken either by the coin's payouts
 * or by conversion, never both:
 *  - payouts of a converting coin leave alone every miner opted in to another currency and every miner
 *    in a conversion not yet credited (a crash may have left its convert-out entries unwritten);
 *  - conversion takes only opted-in miners, and none in a payout not yet confirmed or failed (same reason: reserve).
 * Both planners read preferences and balances, and write their debits, under the coin's debit lease
 * (app/shared/debit-lease.ts), so a preference changed between two passes cannot make both take one balance.
 */

/** Accounts the coin's payouts must not pay: opted in to conversion, or part of an open conversion. */
export function accountsLeftToConversion(
  coin: string,
  preferences: readonly ConversionPreference[],
  openConversions: readonly ConversionRecord[],
): Set<string> {
  const out = new Set<string>();
  for (const p of preferences) if (p.currency !== coin) out.add(p.account);
  for (const r of openConversions) if (r.status !== 'credited') for (const s of r.shares) out.add(s.account);
  return out;
}

/** Accounts conversion must not take: recipients of a payout still in flight. */
export function accountsInOpenPayouts(payouts: readonly PayoutRecord[]): Set<string> {
  const out = new Set<string>();
  for (const p of payouts) {
    if (!isOpenPayoutStatus(p.status)) continue;
    for (const r of p.recipients) out.add(r.account);
  }
  return out;
}
