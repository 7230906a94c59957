import { entryId, type LedgerEntry } from '../../core/ledger/ledger.js';

/**
 * The ledger entries of a block that credited each miner and matured (`immature`, then `mature`): what gives a
 * miner a confirmed balance for the payouts tests.
 */
export function maturedCredits(owed: ReadonlyMap<string, bigint>, block: string, time: number): LedgerEntry[] {
  return [...owed].flatMap(([account, amount]) =>
    (['immature', 'mature'] as const).map(
      (kind): LedgerEntry => ({
        id: entryId(kind, block, 'miner', account),
        account,
        kind,
        role: 'miner',
        amount,
        ref: block,
        time,
      }),
    ),
  );
}
