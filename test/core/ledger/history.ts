import fc from 'fast-check';
import type { BlockCredit } from '../../../core/blocks/block.js';
import type { AuditInput, LedgerEntry, Role } from '../../../core/ledger/ledger.js';
import { balancesFromEntries, blockEntries, payoutEntries } from '../../../core/ledger/ledger.js';
import type { PayoutStatus } from '../../../core/ledger/payouts.js';

/** A random but consistent ledger history built with the planning functions, and what the audit needs to check it. */
export const accounts = ['a', 'b', 'c', 'd'];

const creditArb = fc.record({
  account: fc.constantFrom(...accounts),
  role: fc.constantFrom<Role>('miner', 'fee', 'bonus', 'dust', 'referral'),
  amount: fc.bigInt({ min: 1n, max: 10n ** 9n }),
});

export const historyArb = fc.record({
  blocks: fc.array(
    fc.record({
      credits: fc.uniqueArray(creditArb, { minLength: 1, maxLength: 5, selector: (c) => `${c.role}:${c.account}` }),
      fate: fc.constantFrom('immature', 'mature', 'orphan'),
      /** Reorgs that took the block out of the chain and brought it back before its fate. */
      trips: fc.integer({ min: 0, max: 2 }),
    }),
    { minLength: 1, maxLength: 5 },
  ),
  payouts: fc.array(
    fc.record({ fate: fc.constantFrom('reserved', 'paid', 'released'), percent: fc.integer({ min: 1, max: 100 }) }),
    { maxLength: 3 },
  ),
});

type Payout = { status: PayoutStatus; recipients: Array<{ account: string; amount: bigint }> };
export type History = AuditInput & {
  blockCredits: Map<string, BlockCredit[]>;
  orphanedBlocks: Map<string, bigint>;
  payouts: Map<string, Payout>;
};

export function buildHistory(h: {
  blocks: Array<{ credits: BlockCredit[]; fate: string; trips?: number }>;
  payouts: Array<{ fate: string; percent: number }>;
}): History {
  const entries: LedgerEntry[] = [];
  const out: History = {
    entries,
    creditedBlocks: new Map(),
    matureBlocks: new Map(),
    confirmedPayouts: new Map(),
    blockCredits: new Map(),
    orphanedBlocks: new Map(),
    payouts: new Map(),
  };
  h.blocks.forEach((b, i) => {
    const hash = `blk${i}`;
    const reward = b.credits.reduce((s, c) => s + c.amount, 0n);
    out.blockCredits.set(hash, b.credits);
    out.creditedBlocks.set(hash, reward);
    entries.push(...blockEntries('immature', hash, b.credits, i));
    const trips = b.trips ?? 0;
    for (let trip = 0; trip < trips; trip++) {
      entries.push(
        ...blockEntries('orphan', hash, b.credits, i, trip),
        ...blockEntries('restore', hash, b.credits, i, trip),
      );
    }
    if (b.fate === 'mature') {
      entries.push(...blockEntries('mature', hash, b.credits, i));
      out.matureBlocks.set(hash, reward);
    }
    if (b.fate === 'orphan') {
      entries.push(...blockEntries('orphan', hash, b.credits, i, trips));
      out.orphanedBlocks.set(hash, reward);
    }
  });
  h.payouts.forEach((p, i) => {
    const id = `pay${i}`;
    const recipients = [...balancesFromEntries(entries)]
      .map(([account, bal]) => ({ account, amount: (bal.confirmed * BigInt(p.percent)) / 100n }))
      .filter((r) => r.amount > 0n);
    if (recipients.length === 0) return;
    const payout = { id, recipients };
    const status = p.fate === 'paid' ? 'confirmed' : p.fate === 'released' ? 'failed' : 'sent';
    out.payouts.set(id, { status, recipients });
    entries.push(...payoutEntries('reserve', payout, 100 + i));
    if (p.fate === 'paid') {
      entries.push(...payoutEntries('paid', payout, 100 + i));
      out.confirmedPayouts.set(
        id,
        recipients.reduce((s, r) => s + r.amount, 0n),
      );
    }
    if (p.fate === 'released') entries.push(...payoutEntries('release', payout, 100 + i));
  });
  return out;
}
