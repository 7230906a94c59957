import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CoinStanding,
  evaluate,
  type SwitchingMemory,
  type SwitchingRules,
} from '../../../core/switching/rule.js';

const RULES: SwitchingRules = { marginPercent: 5, holdSeconds: 300, maxPriceAgeSeconds: 600 };
const T0 = 1_800_000_000_000;
const start = (current = 'LTC'): SwitchingMemory => ({ current, since: T0, aheadSince: {} });
const coin = (name: string, earnings: bigint | undefined, over: Partial<CoinStanding> = {}): CoinStanding => ({
  coin: name,
  earnings,
  healthy: true,
  priceAt: T0,
  ...over,
});

/** Runs evaluations every `step` seconds; `at(t)` gives the standings at second t. Returns the switches. */
function run(at: (t: number) => CoinStanding[], seconds: number, step = 10, memory = start()) {
  const switches: Array<{ t: number; to: string; reason: string }> = [];
  for (let t = 0; t <= seconds; t += step) {
    const now = T0 + t * 1000;
    const standings = at(t).map((c) => ({ ...c, priceAt: c.priceAt === undefined ? undefined : now }));
    const e = evaluate(memory, standings, now, RULES);
    memory = e.memory;
    if (e.switchTo) switches.push({ t, to: e.switchTo.coin, reason: e.switchTo.reason });
  }
  return { switches, memory };
}

describe('evaluate: hysteresis', () => {
  it('switches when the best beats the current by more than the margin for holdSeconds, not before', () => {
    const r = run((t) => [coin('LTC', 1000n), coin('DOGE', t >= 100 ? 1060n : 1000n)], 400);
    expect(r.switches.map((s) => [s.t, s.to])).toEqual([[400, 'DOGE']]);
    expect(r.switches[0]!.reason).toBe('DOGE beat LTC by 6% (margin 5%) for 300 s');
  });

  it('does not switch on exactly the margin', () => {
    expect(run(() => [coin('LTC', 1000n), coin('DOGE', 1050n)], 1000).switches).toEqual([]);
  });

  it('starts the hold over when the lead drops within the margin once', () => {
    const r = run((t) => [coin('LTC', 1000n), coin('DOGE', t === 200 ? 1040n : 1100n)], 600);
    // Ahead from 0, broken at 200, ahead again from 210: switches at 510.
    expect(r.switches.map((s) => s.t)).toEqual([510]);
  });

  it('reports the leader and since when while it is held', () => {
    const e1 = evaluate(start(), [coin('LTC', 1000n), coin('DOGE', 2000n)], T0, RULES);
    expect(e1.switchTo).toBeUndefined();
    expect(e1.leader).toEqual({ coin: 'DOGE', since: T0 });
    const e2 = evaluate(e1.memory, [coin('LTC', 1000n), coin('DOGE', 2000n)], T0 + 299_000, RULES);
    expect(e2.switchTo).toBeUndefined();
    const e3 = evaluate(e2.memory, [coin('LTC', 1000n), coin('DOGE', 2000n)], T0 + 300_000, RULES);
    expect(e3.switchTo?.coin).toBe('DOGE');
    expect(e3.memory).toEqual({ current: 'DOGE', since: T0 + 300_000, aheadSince: {} });
  });

  it('with two coins ahead, switches to the best one when its own lead was held', () => {
    const r = run((t) => [coin('LTC', 1000n), coin('A', 1200n), coin('B', t < 150 ? 1100n : 1300n)], 500);
    // A is best until 150 (ahead since 0), B from 150 (ahead since 0 too: it beat LTC all along) → switch at 300.
    expect(r.switches.map((s) => [s.t, s.to])).toEqual([[300, 'B']]);
  });
});

describe('evaluate: eligibility', () => {
  it('never switches to an unhealthy coin, one without a price, or one whose price is stale', () => {
    for (const doge of [
      coin('DOGE', 9999n, { healthy: false }),
      coin('DOGE', 9999n, { priceAt: undefined }),
      coin('DOGE', 9999n, { priceAt: T0 - 601_000 }),
      coin('DOGE', undefined),
    ]) {
      let memory = start();
      for (let t = 0; t <= 1000; t += 10) {
        const e = evaluate(memory, [coin('LTC', 1000n, { priceAt: T0 + t * 1000 }), doge], T0 + t * 1000, RULES);
        expect(e.switchTo).toBeUndefined();
        memory = e.memory;
      }
    }
    const e = evaluate(start(), [coin('LTC', 1n), coin('DOGE', 9n, { priceAt: T0 - 601_000 })], T0, RULES);
    expect(e.eligibility).toEqual([
      { coin: 'LTC', eligible: true },
      { coin: 'DOGE', eligible: false, because: 'price stale (601 s old)' },
    ]);
  });

  it('a price exactly maxPriceAgeSeconds old still counts', () => {
    const e = evaluate(start(), [coin('LTC', 1n), coin('DOGE', 9n, { priceAt: T0 - 600_000 })], T0, RULES);
    expect(e.eligibility[1]).toEqual({ coin: 'DOGE', eligible: true });
  });

  it('leaves the current coin at once for the best eligible one when it becomes unhealthy or its price stale', () => {
    const down = evaluate(
      start(),
      [coin('LTC', 5000n, { healthy: false }), coin('A', 900n), coin('B', 950n)],
      T0,
      RULES,
    );
    expect(down.switchTo).toEqual({ coin: 'B', reason: 'LTC unhealthy: no node of the coin answers' });
    const stale = evaluate(start(), [coin('LTC', 5000n, { priceAt: T0 - 700_000 }), coin('A', 1n)], T0, RULES);
    expect(stale.switchTo?.coin).toBe('A');
  });

  it('stays put when the current coin is the only eligible one, or when none is', () => {
    const only = evaluate(start(), [coin('LTC', 1n), coin('DOGE', 99n, { healthy: false })], T0, RULES);
    expect(only.switchTo).toBeUndefined();
    const none = evaluate(
      start(),
      [coin('LTC', 1n, { healthy: false }), coin('DOGE', 99n, { healthy: false })],
      T0,
      RULES,
    );
    expect(none.switchTo).toBeUndefined();
    expect(none.memory.current).toBe('LTC');
  });

  it('a coin that turns ineligible while held loses its hold', () => {
    const r = run((t) => [coin('LTC', 1000n), coin('DOGE', 2000n, { healthy: t !== 200 })], 600);
    expect(r.switches.map((s) => s.t)).toEqual([510]);
  });
});

describe('evaluate: properties', () => {
  const earningsArb = fc.bigInt({ min: 1_000_000n, max: 10n ** 15n });

  it('never switches while every coin stays within the margin of the current one (noise)', () => {
    fc.assert(
      fc.property(
        earningsArb,
        fc.array(fc.array(fc.integer({ min: -500, max: 500 }), { minLength: 3, maxLength: 3 }), {
          minLength: 1,
          maxLength: 200,
        }),
        (base, noise) => {
          let memory = start('A');
          // The current coin earns at least the base, the others at most 5 % (the margin) above it, each tick.
          for (const [i, n] of noise.entries()) {
            const cur = base + (base * BigInt(Math.abs(n[0]!))) / 10_000n; // ≥ base
            const other = (k: number) => base + (base * BigInt(n[k]!)) / 10_000n; // ≤ base × 1.05
            const now = T0 + i * 10_000;
            const e = evaluate(
              memory,
              [
                coin('A', cur, { priceAt: now }),
                coin('B', other(1), { priceAt: now }),
                coin('C', other(2), { priceAt: now }),
              ],
              now,
              RULES,
            );
            if (e.switchTo) return false;
            memory = e.memory;
          }
          return true;
        },
      ),
    );
  });

  it('while the current coin stays eligible, two switches are at least holdSeconds apart and each goes to an eligible coin', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            a: earningsArb,
            b: earningsArb,
            c: earningsArb,
            bHealthy: fc.boolean(),
            step: fc.integer({ min: 1, max: 120 }),
          }),
          { minLength: 1, maxLength: 150 },
        ),
        (ticks) => {
          let memory = start('A');
          let now = T0;
          let lastSwitch = -Infinity;
          for (const tick of ticks) {
            now += tick.step * 1000;
            const standings = [
              coin('A', tick.a, { priceAt: now }),
              coin('B', tick.b, { priceAt: now, healthy: tick.bHealthy }),
              coin('C', tick.c, { priceAt: now }),
            ];
            const currentEligible = memory.current !== 'B' || tick.bHealthy;
            const e = evaluate(memory, standings, now, RULES);
            if (e.switchTo) {
              if (e.switchTo.coin === 'B' && !tick.bHealthy) return false;
              if (currentEligible && now - lastSwitch < RULES.holdSeconds * 1000) return false;
              lastSwitch = now;
            }
            memory = e.memory;
          }
          return true;
        },
      ),
    );
  });

  it('when the current coin turns ineligible, moves at once to the eligible coin that earns most', () => {
    fc.assert(
      fc.property(
        fc.array(earningsArb, { minLength: 2, maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        (earnings, healthy) => {
          const standings = earnings.map((e, i) => coin(`C${i}`, e, { healthy: i === 0 ? false : healthy[i]! }));
          const e = evaluate(start('C0'), standings, T0, RULES);
          const eligible = standings.filter((c) => c.healthy);
          if (eligible.length === 0) return e.switchTo === undefined && e.memory.current === 'C0';
          const most = eligible.reduce((m, c) => (c.earnings! > m ? c.earnings! : m), 0n);
          const chosen = standings.find((c) => c.coin === e.switchTo?.coin);
          return chosen?.healthy === true && chosen.earnings === most;
        },
      ),
    );
  });
});
