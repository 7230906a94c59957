import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conversionFee, settleConversion } from '../../../core/conversion/proceeds.js';

const sharesArb = fc.uniqueArray(
  fc.record({
    account: fc.constantFrom('ltc1a', 'ltc1b', 'ltc1c', 'ltc1d'),
    targetAccount: fc.constantFrom('bc1x', 'bc1y', 'bc1z'),
    amount: fc.bigInt({ min: 1n, max: 10n ** 12n }),
  }),
  { minLength: 1, maxLength: 4, selector: (s) => s.account },
);

describe('settling a conversion (property)', () => {
  it('returns exactly the unsold part, credits exactly what was received, nothing negative', () => {
    fc.assert(
      fc.property(
        sharesArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.bigInt({ min: 0n, max: 10n ** 10n }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (shares, unsoldFraction, received, feeFraction) => {
          const total = shares.reduce((s, x) => s + x.amount, 0n);
          const unsold = (total * BigInt(Math.floor(unsoldFraction * 1000))) / 1000n;
          const fee = (received * BigInt(Math.floor(feeFraction * 1000))) / 1000n;
          const s = settleConversion({ shares, unsold, received, fee, feeWallets: [{ address: 'bc1fee', weight: 1 }] });
          const sum = (xs: Array<{ amount: bigint }>) => xs.reduce((a, x) => a + x.amount, 0n);
          expect(sum(s.sold) + sum(s.returned)).toBe(total);
          expect(sum(s.returned)).toBe(unsold);
          expect(sum(s.credits)).toBe(received);
          for (const x of [...s.sold, ...s.returned, ...s.credits]) expect(x.amount > 0n).toBe(true);
          for (const r of s.returned)
            expect(r.amount <= shares.find((x) => x.account === r.account)!.amount).toBe(true);
        },
      ),
    );
  });
});

describe('settling a conversion (examples)', () => {
  it('returns what did not fill without handing anyone back more than they put in', () => {
    // Found by the property above: three miners put in 1 each and 2 did not fill. Giving all the rounding dust to
    // one miner returned 2 to an account that had put in 1, and Σ sold + Σ returned came to 4 of 3.
    const s = settleConversion({
      shares: ['ltc1d', 'ltc1a', 'ltc1c'].map((account) => ({ account, targetAccount: 'bc1x', amount: 1n })),
      unsold: 2n,
      received: 0n,
      fee: 0n,
      feeWallets: [{ address: 'bc1fee', weight: 1 }],
    });
    expect(s.returned).toEqual([
      { account: 'ltc1a', amount: 1n },
      { account: 'ltc1c', amount: 1n },
    ]);
    expect(s.sold).toEqual([{ account: 'ltc1d', amount: 1n }]);
  });
});

describe('the conversion fee', () => {
  it('is a share of the gain over the best single exchange, scaled to what filled', () => {
    expect(
      conversionFee({ received: 200_000n, sold: 100n, planned: 100n, referenceNet: 150_000n, feeShareBps: 2_000 }),
    ).toBe(10_000n);
    // Half filled: the reference for that half is 75000.
    expect(
      conversionFee({ received: 95_000n, sold: 50n, planned: 100n, referenceNet: 150_000n, feeShareBps: 2_000 }),
    ).toBe(4_000n);
  });

  it('is nothing without a gain or without a single-exchange reference', () => {
    expect(conversionFee({ received: 100n, sold: 1n, planned: 1n, referenceNet: 100n, feeShareBps: 5_000 })).toBe(0n);
    expect(conversionFee({ received: 100n, sold: 1n, planned: 1n, referenceNet: undefined, feeShareBps: 5_000 })).toBe(
      0n,
    );
  });
});
