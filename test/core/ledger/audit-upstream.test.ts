import { describe, expect, it } from 'vitest';
import type { BlockCredit } from '../../../core/blocks/block.js';
import type { UpstreamPayoutView } from '../../../core/ledger/audit.js';
import { audit, type LedgerEntry } from '../../../core/ledger/ledger.js';
import { upstreamEntries } from '../../../core/proxy/upstream-payouts.js';

const credits: BlockCredit[] = [
  { account: 'alice', role: 'miner', amount: 600n },
  { account: 'bob', role: 'miner', amount: 390n },
  { account: 'fee', role: 'fee', amount: 10n },
];
const base = { matureBlocks: new Map(), creditedBlocks: new Map(), confirmedPayouts: new Map() };
const run = (entries: LedgerEntry[], payouts: Record<string, UpstreamPayoutView>) =>
  audit({ ...base, entries, upstreamPayouts: new Map(Object.entries(payouts)) });

describe('audit of upstream payouts (proxy mining)', () => {
  const entries = upstreamEntries({ id: 'tx:0' }, credits, 1);

  it('passes a credited payout distributed once, in full', () => {
    expect(run(entries, { 'tx:0': { amount: 1000n, status: 'credited', credits } })).toMatchObject({ ok: true });
    // A crash left a pending one with its split and some entries: complete later, fine now.
    expect(run(entries.slice(0, 1), { 'tx:0': { amount: 1000n, status: 'pending', credits } })).toMatchObject({
      ok: true,
    });
  });

  it('names a credited payout with an entry missing', () => {
    expect(run(entries.slice(1), { 'tx:0': { amount: 1000n, status: 'credited', credits } })).toEqual({
      ok: false,
      problem: 'upstream payout tx:0 (credited): entry upstream:tx:0:miner:alice is missing',
    });
  });

  it('refuses a split that does not add up to what the upstream paid', () => {
    expect(run(entries, { 'tx:0': { amount: 1001n, status: 'credited', credits } })).toMatchObject({
      ok: false,
      problem: 'upstream payout tx:0: its split 1000 ≠ paid 1001',
    });
  });

  it('refuses an entry of no recorded payout, one not in the split, and a changed amount', () => {
    expect(run(entries, {})).toMatchObject({ ok: false, problem: expect.stringContaining('is not recorded') });
    const stray = upstreamEntries({ id: 'tx:0' }, [{ account: 'mallory', role: 'miner', amount: 5n }], 1);
    expect(run([...entries, ...stray], { 'tx:0': { amount: 1000n, status: 'credited', credits } })).toMatchObject({
      ok: false,
      problem: 'entry upstream:tx:0:miner:mallory (5): not part of upstream payout tx:0',
    });
    const changed = entries.map((e) => (e.account === 'bob' ? { ...e, amount: 391n } : e));
    expect(run(changed, { 'tx:0': { amount: 1000n, status: 'credited', credits } })).toMatchObject({
      ok: false,
      problem: 'entry upstream:tx:0:miner:bob is 391, upstream payout tx:0 says 390',
    });
  });

  it('refuses a payout marked credited without a split', () => {
    expect(run([], { 'tx:0': { amount: 1000n, status: 'credited' } })).toMatchObject({
      ok: false,
      problem: 'upstream payout tx:0 is credited without a split',
    });
  });

  it('accepts an ignored payment (below the minimum) without a split, and refuses one with a split or entries', () => {
    const dust = { amount: 5_000n, status: 'ignored' as const };
    expect(run(entries, { 'tx:0': { amount: 1000n, status: 'credited', credits }, 'dust:1': dust })).toMatchObject({
      ok: true,
    });
    expect(run([], { 'dust:1': { ...dust, credits: [{ account: 'alice', role: 'miner', amount: 5_000n }] } })).toEqual({
      ok: false,
      problem: 'upstream payout dust:1 is ignored but has a split',
    });
    const onDust = upstreamEntries({ id: 'dust:1' }, [{ account: 'alice', role: 'miner', amount: 5_000n }], 1);
    expect(run(onDust, { 'dust:1': dust })).toMatchObject({
      ok: false,
      problem: 'entry upstream:dust:1:miner:alice: upstream payout dust:1 is not recorded with a split',
    });
  });
});
