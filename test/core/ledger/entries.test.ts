import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDelta, balanceDelta } from '../../../core/ledger/balance-sync.js';
import {
  balancesFromEntries,
  blockEntries,
  parseRevisionRef,
  payoutEntries,
  revisionRef,
  roundCreditEntries,
  splitCredits,
  zeroBalance,
} from '../../../core/ledger/ledger.js';
import { ppsLiabilityFromEntries } from '../../../core/ledger/pps-liability.js';
import { rewardsConfigSchema } from '../../../core/rewards/config.js';
import { PPS_POOL_ACCOUNT, splitReward } from '../../../core/rewards/schemes.js';
import { buildHistory, historyArb } from './history.js';

/** The history's entries delivered in any order, some of them several times. */
const deliveriesArb = historyArb.chain((h) => {
  const { entries } = buildHistory(h);
  return fc
    .tuple(fc.shuffledSubarray(entries, { minLength: entries.length }), fc.array(fc.nat(), { maxLength: 15 }))
    .map(([shuffled, dups]) => ({
      entries,
      delivered: [...shuffled, ...dups.map((d) => entries[d % entries.length]!)],
    }));
});

describe('balances from entries', () => {
  it('count every id once, whatever the order and however often an entry is delivered', () => {
    fc.assert(
      fc.property(deliveriesArb, ({ entries, delivered }) => {
        expect(balancesFromEntries(delivered)).toEqual(balancesFromEntries(entries));
      }),
    );
  });

  it('never create or lose money: the four buckets of an account hold what its non-orphaned blocks credited', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const history = buildHistory(h);
        const balances = balancesFromEntries(history.entries);
        for (const [account, b] of balances) {
          let credited = 0n;
          for (const [hash, credits] of history.blockCredits) {
            if (history.orphanedBlocks.has(hash)) continue;
            credited += credits.filter((c) => c.account === account).reduce((s, c) => s + c.amount, 0n);
          }
          expect(b.immature + b.confirmed + b.pending + b.paid).toBe(credited);
          for (const v of Object.values(b)) expect(v).toBeGreaterThanOrEqual(0n);
        }
      }),
    );
  });

  it('a stored balance kept with the guard-set update equals the derived one under replays', () => {
    fc.assert(
      fc.property(deliveriesArb, ({ entries, delivered }) => {
        const stored = new Map<string, { balance: ReturnType<typeof zeroBalance>; applied: Set<string> }>();
        for (const e of delivered) {
          const d = balanceDelta(e);
          const cur = stored.get(d.account) ?? { balance: zeroBalance(), applied: new Set<string>() };
          const next = applyDelta(cur.balance, cur.applied, d);
          stored.set(d.account, { balance: next.balance, applied: next.applied });
        }
        const derived = balancesFromEntries(entries);
        expect(new Map([...stored].map(([a, s]) => [a, s.balance]))).toEqual(derived);
      }),
    );
  });
});

describe('planning entries', () => {
  const cfg = rewardsConfigSchema.parse({
    scheme: 'PROP',
    feeBasisPoints: 150,
    finderBonusBasisPoints: 50,
    feeWallets: [{ address: 'fee1', weight: 2 }, { address: 'fee2' }],
  });

  it('plans a block credit whose entries sum to the reward, with ids keyed by block, role and account', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.array(
          fc.record({
            miner: fc.constantFrom('m1', 'm2', 'm3'),
            difficulty: fc.double({ min: 0.01, max: 100, noNaN: true }),
          }),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        (reward, miners) => {
          const split = splitReward(
            { height: 9, hash: 'bh', reward, networkDifficulty: 10, finder: 'm1' },
            [{ height: 9, miners }],
            cfg,
          );
          const entries = blockEntries('immature', 'bh', splitCredits(split), 0);
          expect(entries.reduce((s, e) => s + e.amount, 0n)).toBe(reward);
          for (const e of entries) expect(e.id).toBe(`immature:bh:${e.role}:${e.account}`);
          expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
          // Replanning is the same set of ids and amounts: a replay writes nothing new.
          expect(blockEntries('immature', 'bh', splitCredits(split), 99).map((e) => [e.id, e.amount])).toEqual(
            entries.map((e) => [e.id, e.amount]),
          );
        },
      ),
    );
  });

  it('keys payout entries by payout id and refuses an account twice or a non-positive amount', () => {
    const p = { id: 'LTC-1', recipients: [{ account: 'a', amount: 5n }] };
    expect(payoutEntries('reserve', p, 0).map((e) => e.id)).toEqual(['reserve:LTC-1:miner:a']);
    expect(() => payoutEntries('paid', { id: 'x', recipients: [...p.recipients, ...p.recipients] }, 0)).toThrow(
      /twice/,
    );
    expect(() => payoutEntries('paid', { id: 'x', recipients: [{ account: 'a', amount: 0n }] }, 0)).toThrow(/positive/);
    expect(() => blockEntries('mature', 'h', [{ account: 'a', role: 'miner', amount: -1n }], 0)).toThrow(/positive/);
  });

  it('reports the PPS liability: per-share credits against the block rewards the pool account received', () => {
    const entries = [
      ...roundCreditEntries(
        10,
        [
          { account: 'a', amount: 700n },
          { account: 'b', amount: 300n },
        ],
        0,
      ),
      ...blockEntries('immature', 'h1', [{ account: PPS_POOL_ACCOUNT, role: 'miner', amount: 600n }], 0),
      ...blockEntries('mature', 'h1', [{ account: PPS_POOL_ACCOUNT, role: 'miner', amount: 600n }], 0),
      ...blockEntries('immature', 'h2', [{ account: PPS_POOL_ACCOUNT, role: 'miner', amount: 250n }], 0),
    ];
    expect(ppsLiabilityFromEntries([...entries, entries[0]!])).toEqual({
      credited: 1000n,
      received: 600n,
      maturing: 250n,
      liability: 400n,
    });
  });

  it('numbers revisions of a block hash or a round so that the base and the number come back unchanged', () => {
    const base = fc.oneof(
      fc.stringMatching(/^[0-9a-f]{64}$/),
      fc.nat().map((h) => `h${h}`),
    );
    fc.assert(
      fc.property(base, fc.nat({ max: 1000 }), (b, k) => {
        expect(parseRevisionRef(revisionRef(b, k))).toEqual({ base: b, revision: k });
      }),
    );
    expect(revisionRef('h5', 0)).toBe('h5');
    expect(parseRevisionRef('h5#0')).toEqual({ base: 'h5#0', revision: 0 }); // revision 0 has no number
  });
});
