import { REFERRAL_KINDS, referralEarnings } from '../../core/ledger/entries.js';
import type { LedgerStore } from '../../core/ports/money-store.js';

/**
 * What a mining address earned from referrals on one coin (issue 19), read from its own ledger entries only (no
 * other account is read). A referral credit is a block credit, and an entry id starts with its kind: one Query per
 * kind a referral credit can have, so the address's PPS credits, payouts and conversions are not read.
 */
export async function referralEarningsOf(
  money: Pick<LedgerStore, 'listAccountEntries'>,
  coin: string,
  address: string,
): Promise<{ immature: bigint; confirmed: bigint }> {
  const lists = await Promise.all(REFERRAL_KINDS.map((k) => money.listAccountEntries(coin, address, `${k}:`)));
  return referralEarnings(lists.flat());
}
