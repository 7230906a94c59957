import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audit, type Balance, balancesFromEntries, entryId, type LedgerEntry } from '../../../core/ledger/ledger.js';
import {
  canTransition,
  formatAmount,
  type PayoutPolicy,
  parseAmount,
  planPayouts,
} from '../../../core/ledger/payouts.js';

const accounts = ['a', 'b', 'c'];
const creditArb = fc.record({
  account: fc.constantFrom(...accounts),
  amount: fc.bigInt({ min: 1n, max: 10n ** 12n }),
  block: fc.constantFrom('h1', 'h2', 'h3'),
});

function credits(cs: { account: string; amount: bigint; block: string }[], kind: 'immature' | 'mature'): LedgerEntry[] {
  return cs.map((c) => ({
    id: entryId(kind, c.block, 'miner', c.account),
    account: c.account,
    kind,
    role: 'miner',
    amount: c.amount,
    ref: c.block,
    time: 0,
  }));
}

/** The first (only) transaction planPayouts plans, with the policy's thresholds and what the wallet may spend. */
function firstBatch(
  balances: ReadonlyMap<string, Balance>,
  { maxRecipients, available, ...thresholds }: PayoutPolicy,
  lastActivity: (account: string) => number = () => Number.POSITIVE_INFINITY,
  now = 0,
) {
  return planPayouts({ balances, thresholds, maxRecipients, spendable: available, lastActivity, now })[0] ?? [];
}

describe('ledger', () => {
  it('counts an entry id once however often it is delivered', () => {
    fc.assert(
      fc.property(fc.array(creditArb, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 12 }), (cs, dups) => {
        const unique = [...new Map(cs.map((c) => [`${c.block}:${c.account}`, c])).values()];
        const entries = credits(unique, 'immature');
        const replayed = [
          ...entries,
          ...dups.filter(() => entries.length > 0).map((d) => entries[d % entries.length]!),
        ];
        expect(balancesFromEntries(replayed)).toEqual(balancesFromEntries(entries));
      }),
    );
  });

  it('moves amounts between buckets without creating or losing any', () => {
    fc.assert(
      fc.property(fc.array(creditArb, { minLength: 1, maxLength: 12 }), (cs) => {
        const unique = [...new Map(cs.map((c) => [`${c.block}:${c.account}`, c])).values()];
        const entries = [...credits(unique, 'immature'), ...credits(unique, 'mature')];
        const total = unique.reduce((s, c) => s + c.amount, 0n);
        const b = [...balancesFromEntries(entries).values()];
        expect(b.reduce((s, x) => s + x.confirmed, 0n)).toBe(total);
        expect(b.every((x) => x.immature === 0n)).toBe(true);
      }),
    );
  });

  it('never plans a payout above the confirmed balance, nor below the minimum, nor too many recipients', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...accounts, 'd', 'e'), fc.bigInt({ min: -5n, max: 10n ** 9n })), {
          maxLength: 8,
        }),
        fc.bigInt({ min: 1n, max: 10n ** 8n }),
        fc.integer({ min: 1, max: 3 }),
        (rows, minimum, maxRecipients) => {
          const balances = new Map(rows.map(([a, c]) => [a, { immature: 0n, confirmed: c, pending: 0n, paid: 0n }]));
          const plan = firstBatch(balances, { minimum, maxRecipients });
          expect(plan.length).toBeLessThanOrEqual(maxRecipients);
          for (const r of plan) {
            expect(r.amount).toBe(balances.get(r.account)!.confirmed);
            expect(r.amount).toBeGreaterThanOrEqual(minimum);
          }
        },
      ),
    );
  });

  it('detects an audit mismatch and names it', () => {
    const entries = credits([{ account: 'a', amount: 10n, block: 'h1' }], 'immature');
    expect(
      audit({ entries, creditedBlocks: new Map([['h1', 10n]]), matureBlocks: new Map(), confirmedPayouts: new Map() }),
    ).toEqual({
      ok: true,
      checked: 1,
    });
    expect(
      audit({ entries, creditedBlocks: new Map([['h1', 11n]]), matureBlocks: new Map(), confirmedPayouts: new Map() }),
    ).toEqual({
      ok: false,
      problem: 'block h1: immature credits 10 ≠ reward 11',
    });
  });
});

describe('planPayouts thresholds and reserve', () => {
  const bal = (confirmed: bigint) => ({ immature: 0n, confirmed, pending: 0n, paid: 0n });
  const balances = new Map([
    ['big', bal(500n)],
    ['mid', bal(200n)],
    ['left', bal(30n)],
    ['active', bal(30n)],
  ]);
  const policy = { minimum: 100n, maxRecipients: 10, inactiveMinimum: 20n, inactiveAfterMs: 1000 };
  const seen: Record<string, number> = { left: 0, active: 9_500 };

  it('pays small balances of accounts idle past the inactive window, not of active ones', () => {
    const plan = firstBatch(balances, policy, (a) => seen[a] ?? 0, 10_000);
    expect(plan.map((p) => p.account)).toEqual(['big', 'mid', 'left']);
  });

  it('never plans more than the wallet may spend above its reserve, skipping what does not fit', () => {
    const plan = firstBatch(balances, { ...policy, available: 550n }, (a) => seen[a] ?? 0, 10_000);
    expect(plan.map((p) => [p.account, p.amount])).toEqual([
      ['big', 500n],
      ['left', 30n],
    ]);
    expect(firstBatch(balances, { ...policy, available: 0n })).toEqual([]);
  });
});

describe('payout state machine and amounts', () => {
  it('allows only the forward transitions (and sending → pending for a payout that never left)', () => {
    expect(canTransition('pending', 'sending')).toBe(true);
    expect(canTransition('sending', 'sent')).toBe(true);
    expect(canTransition('sending', 'pending')).toBe(true);
    expect(canTransition('sent', 'confirmed')).toBe(true);
    expect(canTransition('sent', 'pending')).toBe(false);
    expect(canTransition('confirmed', 'sending')).toBe(false);
    expect(canTransition('pending', 'confirmed')).toBe(false);
  });

  it('formats base units as exact decimal strings and parses them back', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 21n * 10n ** 15n }), (units) => {
        expect(parseAmount(formatAmount(units))).toBe(units);
      }),
    );
    expect(formatAmount(123_456_789n)).toBe('1.23456789');
    expect(parseAmount(0.1)).toBe(10_000_000n);
    expect(parseAmount(-6.25)).toBe(-625_000_000n);
  });
});
