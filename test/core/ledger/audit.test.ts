import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audit, blockEntries, roundCreditEntries } from '../../../core/ledger/ledger.js';
import { buildHistory, historyArb } from './history.js';

describe('ledger audit', () => {
  it('passes a consistent history of credits, maturity, orphans and payouts', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const history = buildHistory(h);
        expect(audit(history)).toEqual({ ok: true, checked: history.entries.length });
      }),
    );
  });

  it('detects any single entry whose amount was changed, and names that entry', () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), fc.bigInt({ min: 1n, max: 10n ** 6n }), fc.boolean(), (h, pick, delta, up) => {
        const history = buildHistory(h);
        const i = pick % history.entries.length;
        const victim = history.entries[i]!;
        const amount = up || victim.amount <= delta ? victim.amount + delta : victim.amount - delta;
        history.entries[i] = { ...victim, amount };
        const result = audit(history);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.problem).toContain(victim.id);
      }),
    );
  });

  it('refuses a referral credit that is not a block credit (a PPS credit or a conversion named as one)', () => {
    const credits = [
      { account: 'a', role: 'miner' as const, amount: 70n },
      { account: 'r', role: 'referral' as const, amount: 5n },
      { account: 'f', role: 'fee' as const, amount: 25n },
    ];
    const base = {
      entries: blockEntries('immature', 'h9', credits, 0),
      creditedBlocks: new Map([['h9', 100n]]),
      matureBlocks: new Map<string, bigint>(),
      confirmedPayouts: new Map<string, bigint>(),
    };
    expect(audit(base)).toEqual({ ok: true, checked: 3 });
    const pps = { ...roundCreditEntries(7, [{ account: 'r', amount: 5n }], 0)[0]!, role: 'referral' as const };
    const forged = { ...pps, id: 'pps:h7:referral:r' };
    expect(audit({ ...base, entries: [...base.entries, forged] })).toEqual({
      ok: false,
      problem: "entry pps:h7:referral:r: a referral credit is a block's credit, never a pps entry",
    });
  });

  it('names a changed mature entry from its immature twin when the block split is not given', () => {
    const credits = [
      { account: 'a', role: 'miner' as const, amount: 70n },
      { account: 'f', role: 'fee' as const, amount: 30n },
    ];
    const entries = [...blockEntries('immature', 'h4', credits, 0), ...blockEntries('mature', 'h4', credits, 1)];
    entries[2] = { ...entries[2]!, amount: 1n };
    const result = audit({
      entries,
      creditedBlocks: new Map([['h4', 100n]]),
      matureBlocks: new Map([['h4', 100n]]),
      confirmedPayouts: new Map(),
    });
    expect(result).toEqual({
      ok: false,
      problem: 'block h4: mature credits 31 ≠ reward 100; entry mature:h4:miner:a is 1, its immature entry 70',
    });
  });

  it('detects a missing entry, a rewritten duplicate and an id that does not match its content', () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), (h, pick) => {
        const history = buildHistory(h);
        const i = pick % history.entries.length;
        const victim = history.entries[i]!;
        const without = { ...history, entries: history.entries.filter((_, j) => j !== i) };
        expect(audit(without).ok).toBe(false);
        const twice = { ...history, entries: [...history.entries, { ...victim, amount: victim.amount + 1n }] };
        expect(audit(twice)).toMatchObject({ ok: false, problem: expect.stringContaining(victim.id) });
        const moved = [...history.entries];
        moved[i] = { ...victim, account: `${victim.account}x` };
        expect(audit({ ...history, entries: moved })).toMatchObject({
          ok: false,
          problem: expect.stringContaining(victim.id),
        });
      }),
    );
  });

  it('checks stored balances and the wallet against the entries', () => {
    const credits = [{ account: 'a', role: 'miner' as const, amount: 50n }];
    const entries = blockEntries('immature', 'h1', credits, 0);
    const base = {
      entries,
      creditedBlocks: new Map([['h1', 50n]]),
      matureBlocks: new Map(),
      confirmedPayouts: new Map(),
    };
    const good = new Map([['a', { immature: 50n, confirmed: 0n, pending: 0n, paid: 0n }]]);
    expect(audit({ ...base, storedBalances: good }).ok).toBe(true);
    const bad = new Map([['a', { immature: 49n, confirmed: 0n, pending: 0n, paid: 0n }]]);
    expect(audit({ ...base, storedBalances: bad })).toEqual({
      ok: false,
      problem: 'account a: stored immature balance 49 ≠ 50 from its entries',
    });
    expect(audit({ ...base, wallet: { sent: 10n, networkFees: 10n } })).toEqual({ ok: true, checked: 1 });
    expect(audit({ ...base, wallet: { sent: 11n, networkFees: 10n } })).toMatchObject({ ok: false });
  });

  describe('a block a reorg took out of the chain and brought back', () => {
    const credits = [
      { account: 'a', role: 'miner' as const, amount: 70n },
      { account: 'f', role: 'fee' as const, amount: 30n },
    ];
    const blocks = (orphaned: boolean, mature: boolean) => ({
      creditedBlocks: new Map([['h9', 100n]]),
      matureBlocks: new Map(mature ? [['h9', 100n]] : []),
      orphanedBlocks: new Map(orphaned ? [['h9', 100n]] : []),
      blockCredits: new Map([['h9', credits]]),
      confirmedPayouts: new Map(),
    });
    const trip = (k: number) => [
      ...blockEntries('orphan', 'h9', credits, 1, k),
      ...blockEntries('restore', 'h9', credits, 2, k),
    ];
    const immature = blockEntries('immature', 'h9', credits, 0);
    const mature = blockEntries('mature', 'h9', credits, 3);

    it('passes when every trip out was reversed and every trip back restored, the block then matured once', () => {
      expect(audit({ entries: [...immature, ...trip(0), ...trip(1), ...mature], ...blocks(false, true) }).ok).toBe(
        true,
      );
      const out = blockEntries('orphan', 'h9', credits, 4, 2);
      expect(audit({ entries: [...immature, ...trip(0), ...trip(1), ...out], ...blocks(true, false) }).ok).toBe(true);
    });

    it('refuses a block matured while reversed, a restore without its reversal, and a status its trips contradict', () => {
      const out = blockEntries('orphan', 'h9', credits, 1);
      expect(audit({ entries: [...immature, ...out, ...mature], ...blocks(false, true) })).toMatchObject({
        ok: false,
        problem: expect.stringMatching(
          /^block h9 is in the chain but was reversed 1 and restored 0 times|also left by orphan:h9/,
        ),
      });
      const back = blockEntries('restore', 'h9', credits, 2, 1);
      expect(audit({ entries: [...immature, ...trip(0), ...back], ...blocks(false, false) })).toEqual({
        ok: false,
        problem: 'block h9 is in the chain but was reversed 1 and restored 2 times',
      });
      expect(audit({ entries: [...immature, ...trip(0)], ...blocks(true, false) })).toEqual({
        ok: false,
        problem: 'block h9 is out of the chain but was reversed 1 and restored 1 times',
      });
    });
  });

  it('accepts the late credits of a PPS round in order, and refuses one whose previous credit is missing', () => {
    const credit = (revision: number, amount: bigint) =>
      roundCreditEntries(100, [{ account: 'a', amount, revision }], 1);
    const base = { creditedBlocks: new Map(), matureBlocks: new Map(), confirmedPayouts: new Map() };
    expect(audit({ entries: [...credit(0, 5n), ...credit(1, 2n), ...credit(2, 1n)], ...base }).ok).toBe(true);
    expect(audit({ entries: [...credit(0, 5n), ...credit(2, 1n)], ...base })).toEqual({
      ok: false,
      problem: 'entry pps:h100#2:miner:a: credits round h100 again, but pps:h100#1:miner:a is missing',
    });
  });
});
