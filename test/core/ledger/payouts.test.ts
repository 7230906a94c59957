import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Balance } from '../../../core/ledger/ledger.js';
import {
  canTransition,
  formatAmount,
  IllegalPayoutTransitionError,
  type PayoutRecord,
  type PayoutStatus,
  parseAmount,
  planPayouts,
  transitionPayout,
} from '../../../core/ledger/payouts.js';

const balanceArb: fc.Arbitrary<Balance> = fc.record({
  immature: fc.bigInt({ min: 0n, max: 10n ** 9n }),
  confirmed: fc.bigInt({ min: 0n, max: 10n ** 9n }),
  pending: fc.bigInt({ min: 0n, max: 10n ** 9n }),
  paid: fc.bigInt({ min: 0n, max: 10n ** 9n }),
});
const balancesArb = fc
  .uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'pool:pps'), balanceArb), {
    maxLength: 8,
    selector: ([a]) => a,
  })
  .map((rows) => new Map<string, Balance>(rows));

describe('planPayouts', () => {
  it('never plans more than an account can be paid, the wallet can spend above its reserve, or a batch can hold', () => {
    fc.assert(
      fc.property(
        balancesArb,
        fc.bigInt({ min: 1n, max: 10n ** 8n }),
        fc.option(fc.bigInt({ min: 1n, max: 10n ** 8n })),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.option(fc.bigInt({ min: 0n, max: 5n * 10n ** 9n })),
        fc.bigInt({ min: 0n, max: 10n ** 9n }),
        fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 10_000 })),
        (balances, minimum, inactive, maxRecipients, maxBatches, spendable, reserve, seen) => {
          const batches = planPayouts({
            balances,
            thresholds: { minimum, inactiveMinimum: inactive ?? undefined, inactiveAfterMs: 5_000 },
            lastActivity: (a) => seen[a] ?? 0,
            maxRecipients,
            maxBatches,
            spendable: spendable ?? undefined,
            reserve,
            now: 10_000,
          });
          const all = batches.flat();
          expect(batches.length).toBeLessThanOrEqual(maxBatches);
          for (const b of batches) expect(b.length).toBeGreaterThan(0);
          for (const b of batches) expect(b.length).toBeLessThanOrEqual(maxRecipients);
          expect(new Set(all.map((r) => r.account)).size).toBe(all.length);
          for (const r of all) {
            const bal = balances.get(r.account)!;
            // confirmed is what is left after open payouts reserved their part (pending): never more than that.
            expect(r.amount).toBe(bal.confirmed);
            expect(r.amount).toBeGreaterThan(0n);
            expect(r.account.includes(':')).toBe(false);
            const idle = 10_000 - (seen[r.account] ?? 0) >= 5_000;
            expect(r.amount >= minimum || (inactive !== null && idle && r.amount >= inactive)).toBe(true);
          }
          if (spendable !== null) {
            const available = spendable > reserve ? spendable - reserve : 0n;
            expect(all.reduce((s, r) => s + r.amount, 0n)).toBeLessThanOrEqual(available);
          }
        },
      ),
    );
  });

  it('pays the largest balances first, cut into batches of maxRecipients', () => {
    const bal = (confirmed: bigint) => ({ immature: 0n, confirmed, pending: 0n, paid: 0n });
    const balances = new Map([
      ['a', bal(10n)],
      ['b', bal(40n)],
      ['c', bal(30n)],
      ['d', bal(20n)],
      ['e', bal(5n)],
    ]);
    const plan = planPayouts({
      balances,
      thresholds: { minimum: 10n },
      lastActivity: () => 0,
      maxRecipients: 2,
      maxBatches: 5,
      now: 0,
    });
    expect(plan.map((b) => b.map((r) => r.account))).toEqual([
      ['b', 'c'],
      ['d', 'a'],
    ]);
  });
});

const STATUSES: PayoutStatus[] = ['pending', 'sending', 'sent', 'confirmed', 'failed', 'suspended'];
const record = (status: PayoutStatus, txid?: string): PayoutRecord => ({
  id: 'p1',
  coin: 'LTC',
  status,
  recipients: [{ account: 'a', amount: 1n }],
  total: 1n,
  createdAt: 0,
  updatedAt: 0,
  ...(txid ? { txid } : {}),
});

describe('payout state machine', () => {
  it('rejects every transition the machine does not allow, and moves only along allowed ones', () => {
    for (const from of STATUSES) {
      for (const to of STATUSES) {
        const attempt = () => transitionPayout(record(from, 'tx'), to, 5, { txid: 'tx' });
        const fresh = () =>
          transitionPayout(record(from), to, 5, to === 'sent' || to === 'confirmed' ? { txid: 'tx' } : {});
        if (!canTransition(from, to)) {
          expect(attempt).toThrow(IllegalPayoutTransitionError);
          expect(fresh).toThrow(IllegalPayoutTransitionError);
        } else if (to === 'pending' || to === 'sending' || to === 'failed') {
          // Allowed by status, but not for a payout whose transaction went out.
          expect(attempt).toThrow(/already went out/);
          expect(fresh()).toMatchObject({ status: to, updatedAt: 5 });
        } else expect(attempt()).toMatchObject({ status: to, updatedAt: 5, txid: 'tx' });
      }
    }
  });

  it('never sends twice: once sent, no walk of transitions reaches sending again, and the end states are final', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...STATUSES), { maxLength: 20 }), (targets) => {
        let p = record('pending');
        let wasSent = false;
        for (const to of targets) {
          let next: PayoutRecord;
          try {
            next = transitionPayout(p, to, 1, to === 'sent' ? { txid: 'tx1' } : {});
          } catch (err) {
            expect(err).toBeInstanceOf(IllegalPayoutTransitionError);
            continue;
          }
          expect(['confirmed', 'failed']).not.toContain(p.status);
          if (next.status === 'sent') wasSent = true;
          if (wasSent) expect(['pending', 'sending']).not.toContain(next.status);
          if (next.status === 'sent' || next.status === 'confirmed') expect(next.txid).toBe('tx1');
          p = next;
        }
      }),
    );
  });

  it('resolves a suspended payout that had gone out only to sent', () => {
    expect(() => transitionPayout(record('suspended', 'tx1'), 'pending', 1)).toThrow(/already went out/);
    expect(transitionPayout(record('suspended', 'tx1'), 'sent', 1).status).toBe('sent');
    expect(transitionPayout(record('suspended'), 'pending', 1).status).toBe('pending');
  });

  it('keeps the history mark of the first attempt to send through later attempts', () => {
    const first = transitionPayout(record('pending'), 'sending', 1, { historyMark: 'tip-1' });
    const again = transitionPayout(transitionPayout(first, 'pending', 2), 'sending', 3, { historyMark: 'tip-2' });
    expect(again).toMatchObject({ status: 'sending', historyMark: 'tip-1' });
  });

  it('refuses sent without a txid and never replaces a recorded txid', () => {
    expect(() => transitionPayout(record('sending'), 'sent', 1)).toThrow(/without a txid/);
    expect(() => transitionPayout(record('sending', 'tx1'), 'suspended', 1, { txid: 'tx2' })).toThrow(/already has/);
  });
});

describe('wallet amounts', () => {
  it('are exact for whole base units, as decimal strings and as the JSON numbers a wallet answers', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 18 }), (units, d) => {
        expect(parseAmount(formatAmount(units, d), d)).toBe(units);
      }),
    );
    // Up to 21 million coins a double tells every litoshi apart: the number a wallet writes parses back exactly.
    fc.assert(
      fc.property(fc.bigInt({ min: -21n * 10n ** 14n, max: 21n * 10n ** 14n }), (units) => {
        expect(parseAmount(Number(formatAmount(units)))).toBe(units);
      }),
    );
  });

  it('floor a sub-unit, so an amount read is never more than the wallet said (a string or a JSON number alike)', () => {
    // The boundary: one digit past the unit. Rounding up (or toward zero for a negative) would count a unit that
    // is not there.
    expect(parseAmount('0.123456789')).toBe(12_345_678n);
    expect(parseAmount(0.123456789)).toBe(12_345_678n);
    expect(parseAmount(1.5e-8)).toBe(1n);
    expect(parseAmount('1.000000009')).toBe(100_000_000n);
    expect(parseAmount('-0.000000001')).toBe(-1n);
    expect(parseAmount(-0.000000015)).toBe(-2n);
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 999_999 }),
        (units, k, sub) => {
          const extra = String(sub % 10 ** k).padStart(k, '0');
          const text = `${formatAmount(units)}${extra}`; // units and extra / 10^k of a unit, away from zero
          const scale = 10n ** BigInt(k);
          const exact = units * scale + (units < 0n ? -1n : 1n) * BigInt(extra);
          const parsed = parseAmount(text);
          expect(parsed * scale).toBeLessThanOrEqual(exact);
          expect(exact).toBeLessThan((parsed + 1n) * scale);
        },
      ),
    );
  });

  it('refuse what is not an amount', () => {
    for (const bad of ['', 'abc', '1.2.3', '0x10', Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => parseAmount(bad)).toThrow(RangeError);
    }
  });
});
