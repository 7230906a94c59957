import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  receiptStatus,
  splitUpstreamPayout,
  upstreamEntries,
  upstreamReceipts,
  type WalletReceipt,
} from '../../../core/proxy/upstream-payouts.js';
import { rewardsConfigSchema } from '../../../core/rewards/config.js';
import type { RoundWeights } from '../../../core/rewards/schemes.js';

const rewards = rewardsConfigSchema.parse({
  scheme: 'PPLNS',
  feeBasisPoints: 100,
  finderBonusBasisPoints: 500,
  feeWallets: [
    { address: 'fee1', weight: 3 },
    { address: 'fee2', weight: 1 },
  ],
});
const POOL = 'rltc1pool';
const sum = (xs: ReadonlyArray<{ amount: bigint }>) => xs.reduce((s, x) => s + x.amount, 0n);
const of = (
  credits: ReadonlyArray<{ account: string; role: string; amount: bigint }>,
  account: string,
  role = 'miner',
) => credits.find((c) => c.account === account && c.role === role)?.amount ?? 0n;

describe('upstreamReceipts', () => {
  const receipt = (over: Partial<WalletReceipt>): WalletReceipt => ({
    txid: 't1',
    vout: 0,
    address: POOL,
    category: 'receive',
    amount: 100n,
    ...over,
  });

  it('takes outputs received at the pool address from others, each output once', () => {
    const got = upstreamReceipts(
      [
        receipt({ txid: 'a', vout: 1 }),
        receipt({ txid: 'a', vout: 1 }), // listed twice (an unconfirmed and a confirmed view)
        receipt({ txid: 'a', vout: 2, amount: 5n }),
        receipt({ txid: 'b', vout: 0 }),
      ],
      POOL,
    );
    expect(got.map((r) => `${r.txid}:${r.vout}`)).toEqual(['a:1', 'a:2', 'b:0']);
  });

  it('leaves out coinbases, other addresses and every output of a transaction the wallet sent (change)', () => {
    const got = upstreamReceipts(
      [
        receipt({ txid: 'cb', category: 'generate' }),
        receipt({ txid: 'cb2', category: 'immature' }),
        receipt({ txid: 'cb3', category: 'orphan' }),
        receipt({ txid: 'other', address: 'rltc1other' }),
        receipt({ txid: 'payout', vout: 1 }), // change back to the pool address
        receipt({ txid: 'payout', vout: 0, category: 'send', address: 'rltc1miner', amount: -50n }),
        receipt({ txid: 'up', vout: 3 }),
      ],
      POOL,
    );
    expect(got.map((r) => r.txid)).toEqual(['up']);
  });
});

describe('splitUpstreamPayout', () => {
  const rounds: RoundWeights[] = [
    {
      height: 110,
      miners: [
        { miner: 'alice', difficulty: 2 },
        { miner: 'bob', difficulty: 2 },
      ],
    },
    { height: 105, miners: [{ miner: 'carol', difficulty: 4 }] },
    { height: 100, miners: [{ miner: 'dave', difficulty: 8 }] },
    { height: 120, miners: [{ miner: 'late', difficulty: 100 }] }, // after the payout's block: never counted
  ];
  const payout = { id: 'tx:0', amount: 1_000_000n };

  it('PROP pays the shares after the previous upstream payout up to its block, less the fee, no finder bonus', () => {
    const credits = splitUpstreamPayout(
      payout,
      { height: 110, networkDifficulty: 0, previousHeight: 104 },
      rounds,
      rewards,
      'PROP',
    );
    expect(sum(credits)).toBe(payout.amount);
    expect(of(credits, 'fee1', 'fee')).toBe(7_500n);
    expect(of(credits, 'fee2', 'fee')).toBe(2_500n);
    // 990,000 over alice 2, bob 2, carol 4.
    expect(of(credits, 'alice')).toBe(247_500n);
    expect(of(credits, 'bob')).toBe(247_500n);
    expect(of(credits, 'carol')).toBe(495_000n);
    expect(credits.some((c) => c.account === 'dave' || c.account === 'late' || c.role === 'bonus')).toBe(false);
  });

  it('PPLNS pays the last factor × network difficulty of shares, the boundary round cut pro rata', () => {
    // Window 2 × 3 = 6: round 110 (4) whole, round 105 (carol 4) cut to 2, round 100 not reached.
    const credits = splitUpstreamPayout(
      payout,
      { height: 110, networkDifficulty: 3, previousHeight: -1 },
      rounds,
      rewards,
      'PPLNS',
    );
    expect(sum(credits)).toBe(payout.amount);
    expect(of(credits, 'alice')).toBe(330_000n);
    expect(of(credits, 'bob')).toBe(330_000n);
    expect(of(credits, 'carol')).toBe(330_000n);
    expect(of(credits, 'dave')).toBe(0n);
  });

  it('gives a payout with no shares behind it to the first fee wallet whole', () => {
    const credits = splitUpstreamPayout(
      payout,
      { height: 99, networkDifficulty: 3, previousHeight: 50 },
      rounds,
      rewards,
      'PROP',
    );
    expect(sum(credits)).toBe(payout.amount);
    expect(credits.every((c) => c.account === 'fee1' || c.account === 'fee2')).toBe(true);
  });

  it('accounts for every unit, nothing negative, the same for the same input (property)', () => {
    const round = fc.record({
      height: fc.integer({ min: 0, max: 50 }),
      miners: fc.array(
        fc.record({
          miner: fc.constantFrom('a', 'b', 'c', 'd'),
          difficulty: fc.double({ min: 0, max: 1e4, noNaN: true }),
        }),
        { maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 18n }),
        fc.array(round, { maxLength: 8 }),
        fc.constantFrom('PROP' as const, 'PPLNS' as const),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: -1, max: 50 }),
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        (amount, rs, distribution, height, previousHeight, networkDifficulty) => {
          const at = { height, networkDifficulty, previousHeight };
          const credits = splitUpstreamPayout({ id: 'x:0', amount }, at, rs, rewards, distribution);
          expect(sum(credits)).toBe(amount);
          expect(credits.every((c) => c.amount > 0n)).toBe(true);
          expect(splitUpstreamPayout({ id: 'x:0', amount }, at, [...rs].reverse(), rewards, distribution)).toEqual(
            credits,
          );
        },
      ),
    );
  });
});

describe('receiptStatus and upstreamEntries', () => {
  it('ignores a receipt below the minimum payment and splits one at or above it', () => {
    expect(receiptStatus(9_999n, 10_000n)).toBe('ignored');
    expect(receiptStatus(1n, 10_000n)).toBe('ignored');
    expect(receiptStatus(10_000n, 10_000n)).toBe('pending');
    expect(receiptStatus(150_000_000n, 10_000n)).toBe('pending');
  });

  it('writes one confirmed entry per credit, ids from the payout output, role and account', () => {
    const entries = upstreamEntries(
      { id: 'tx:1' },
      [
        { account: 'alice', role: 'miner', amount: 9n },
        { account: 'fee1', role: 'fee', amount: 1n },
      ],
      5,
    );
    expect(entries.map((e) => e.id)).toEqual(['upstream:tx:1:miner:alice', 'upstream:tx:1:fee:fee1']);
    expect(entries.every((e) => e.kind === 'upstream' && e.ref === 'tx:1' && e.time === 5)).toBe(true);
    expect(() => upstreamEntries({ id: 'tx:1' }, [{ account: 'a', role: 'miner', amount: 0n }], 5)).toThrow(RangeError);
  });
});
