import type { ConversionConfig } from '../core/conversion/config.js';
import { type ConversionRecord, conversionLedgerView, settle } from '../core/conversion/record.js';
import type { ConversionLedgerView } from '../core/ledger/audit.js';
import { type AuditResult, audit } from '../core/ledger/ledger.js';
import type { MoneyStore } from '../core/ports/money-store.js';
import type { UpstreamPayoutStore } from '../core/ports/upstream-payouts.js';

/**
 * `pool ledger audit`: the ledger against the blocks and payouts it claims to account for, the stored balances
 * against the entries, and, for a converting
 * coin or a conversion target, against the conversion records' views of it (each convert-* entry the one its record
 * fixes), and, proxy mining, against the upstream payouts recorded (each distributed once, in full).
 */
export async function auditCoin(
  money: MoneyStore & Partial<Pick<UpstreamPayoutStore, 'listUpstreamPayouts'>>,
  coin: string,
  conversionViews?: () => Promise<Map<string, ConversionLedgerView>>,
): Promise<AuditResult> {
  const [entries, blocks, payouts, conversions, storedBalances, upstream] = await Promise.all([
    money.listEntries(coin),
    money.listAllBlocks(coin),
    money.listPayouts(coin),
    conversionViews?.(),
    money.listBalances(coin),
    money.listUpstreamPayouts?.(coin),
  ]);
  const reward = (b: (typeof blocks)[number]) => b.credits!.reduce((s, c) => s + c.amount, 0n);
  return audit({
    entries,
    creditedBlocks: new Map(blocks.filter((b) => b.credits).map((b) => [b.hash, b.chainReward ?? reward(b)])),
    matureBlocks: new Map(
      blocks.filter((b) => b.status === 'confirmed' && b.credits).map((b) => [b.hash, b.chainReward ?? reward(b)]),
    ),
    confirmedPayouts: new Map(payouts.filter((p) => p.status === 'confirmed').map((p) => [p.id, p.total])),
    blockCredits: new Map(blocks.filter((b) => b.credits).map((b) => [b.hash, b.credits!])),
    orphanedBlocks: new Map(
      blocks.filter((b) => b.status === 'orphaned' && b.credits).map((b) => [b.hash, b.chainReward ?? reward(b)]),
    ),
    payouts: new Map(payouts.map((p) => [p.id, { status: p.status, recipients: p.recipients }])),
    // The balances the payouts, conversion and miner pages read, kept with the entries: each must be its entries' sum.
    storedBalances,
    ...(conversions ? { conversions } : {}),
    ...(upstream ? { upstreamPayouts: new Map(upstream.map((p) => [p.id, p])) } : {}),
  });
}

/** What each conversion record says a ledger must hold (its source or its target side). */
export function conversionViews(
  records: readonly ConversionRecord[],
  side: 'source' | 'target',
  config: Pick<ConversionConfig, 'feeShareBps' | 'targets'>,
): Map<string, ConversionLedgerView> {
  return new Map(
    records.map((r) => {
      const wallets = config.targets.find((t) => t.currency === r.target)?.feeWallets ?? [];
      return [r.id, conversionLedgerView(r, side, r.fills ? settle(r, config.feeShareBps, wallets) : undefined)];
    }),
  );
}
