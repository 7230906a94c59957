import { describe, expect, it } from 'vitest';
import { runConversions } from '../../../app/convert/convert.js';
import { runPayouts } from '../../../app/payouts/payouts.js';
import type { ConversionRecord } from '../../../core/conversion/record.js';
import type { ConversionStore } from '../../../core/ports/conversion-store.js';
import { auditBoth, type ConversionSetup, conversionFixtures, EVENT, fakeWallet, NOW, payoutDeps } from './helpers.js';

const { setup } = conversionFixtures();

/** Which accounts each way out debited in the LTC ledger (reserve = payouts, convert-out = conversion). */
async function debits(s: ConversionSetup) {
  const { entries, ltc } = await auditBoth(s);
  const of = (kind: string) => new Set(entries.filter((e) => e.kind === kind).map((e) => e.account));
  for (const b of ltc.values()) expect(b.confirmed >= 0n).toBe(true);
  return { paid: of('reserve'), converted: of('convert-out'), ltc };
}

/** The store with a hook run when `listPreferences` answers the n-th time (the planner has read it, not yet acted). */
function hookPreferences(store: ConversionStore, n: number, hook: () => Promise<void>): ConversionStore {
  let calls = 0;
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'listPreferences') return Reflect.get(target, prop, receiver);
      return async (coin: string) => {
        const prefs = await target.listPreferences(coin);
        if (++calls === n) await hook();
        return prefs;
      };
    },
  });
}

/** The miner's payout currency and its address in that currency. */
const choose = (s: ConversionSetup, account: string, currency: string, address: string, updatedAt: number) =>
  s.store.setPreference('LTC', { account, currency, address, updatedAt });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('payouts and conversion over the same opted-in miner (dynalite + fake exchanges)', () => {
  it('payouts leave opted-in miners to conversion; conversion takes only them; the audit passes', async () => {
    const s = await setup();
    const wallet = fakeWallet();
    const paid = await runPayouts(payoutDeps(s, wallet.sender));
    expect(paid.status).toBe('progressed');
    expect(wallet.sent).toEqual([[{ account: 'ltc1qstays', amount: 100_000_000n }]]);
    const converted = await runConversions(s.deps, EVENT);
    expect(converted.conversions[0]).toMatchObject({ status: 'credited', sold: '350000000' });
    const d = await debits(s);
    expect([...d.paid]).toEqual(['ltc1qstays']);
    expect([...d.converted].sort()).toEqual(['ltc1qminera', 'ltc1qminerb']);
    // A second payouts pass finds nothing: the opted-in miners' balances went to BTC.
    expect(await runPayouts(payoutDeps(s, wallet.sender))).toEqual({ status: 'idle' });
  });

  it('a miner switching back to the coin while a conversion plans is not paid by a concurrent payout', async () => {
    const s = await setup();
    const wallet = fakeWallet();
    let payouts: Promise<unknown> | undefined;
    // The conversion read the preferences under its lease (2nd read; the 1st only checks anyone opted in): miner a
    // switches back to LTC and a payouts pass starts at that very moment.
    const store = hookPreferences(s.store, 2, async () => {
      await choose(s, 'ltc1qminera', 'LTC', 'ltc1qminera', 2);
      payouts = runPayouts(payoutDeps(s, wallet.sender));
      await sleep(300); // the payouts pass is now waiting for the lease, not planning
    });
    const converted = await runConversions({ ...s.deps, store }, EVENT);
    await payouts;
    expect(converted.conversions[0]).toMatchObject({ status: 'credited', sold: '350000000' });
    const d = await debits(s);
    expect(d.converted.has('ltc1qminera')).toBe(true);
    expect(d.paid.has('ltc1qminera')).toBe(false);
    expect(wallet.sent.flat().map((r) => r.account)).toEqual(['ltc1qstays']);
  });

  it('a miner opting in while a payout plans is not converted by a concurrent conversion', async () => {
    const s = await setup();
    await choose(s, 'ltc1qstays', 'LTC', 'ltc1qstays', 1);
    const wallet = fakeWallet();
    let conversion: Promise<unknown> | undefined;
    const conversions = hookPreferences(s.store, 1, async () => {
      await choose(s, 'ltc1qstays', 'BTC', 'bc1qstays', 2);
      conversion = runConversions({ ...s.deps, lease: { pollMs: 20 } }, EVENT);
      await sleep(1_000); // the conversion read its books and now waits for the lease
    });
    await runPayouts(payoutDeps(s, wallet.sender, { conversions }));
    await conversion;
    const d = await debits(s);
    expect(d.paid.has('ltc1qstays')).toBe(true);
    expect(d.converted.has('ltc1qstays')).toBe(false);
    expect([...d.converted].sort()).toEqual(['ltc1qminera', 'ltc1qminerb']);
  });

  it('a conversion left pending by a crash keeps its miners out of payouts, and a payout its recipients out of conversion', async () => {
    const s = await setup();
    // A conversion planned for miner a, crashed before its convert-out entries; a then switches back to LTC.
    const stuck: ConversionRecord = {
      id: 'conv-LTC-BTC-1',
      source: 'LTC',
      target: 'BTC',
      market: 'LTC/BTC',
      status: 'pending',
      shares: [{ account: 'ltc1qminera', targetAccount: 'bc1qminera', amount: 200_000_000n }],
      amount: 200_000_000n,
      legs: [],
      createdAt: NOW - 1,
      updatedAt: NOW - 1,
    };
    await s.store.createConversion('LTC', stuck);
    await choose(s, 'ltc1qminera', 'LTC', 'ltc1qminera', 2);
    // A payout planned for miner stays, crashed before its reserve entries; stays then opts in to BTC.
    await s.money.createPayout('LTC', {
      id: 'LTC-1-crashed',
      coin: 'LTC',
      status: 'pending',
      recipients: [{ account: 'ltc1qstays', amount: 100_000_000n }],
      total: 100_000_000n,
      createdAt: NOW - 1,
      updatedAt: NOW - 1,
    });
    await choose(s, 'ltc1qstays', 'BTC', 'bc1qstays', 2);
    const wallet = fakeWallet();
    // Payouts leave miner a alone while that conversion is open (and b, opted in).
    expect(await runPayouts(payoutDeps(s, wallet.sender), { dryRun: true })).toMatchObject({ status: 'progressed' });
    const conv = await runConversions(s.deps, EVENT);
    // The stuck conversion is finished (nothing to sell: all back to a); the new one takes b only, not stays.
    expect(conv.conversions.map((c) => c.status)).toEqual(['credited', 'credited']);
    const records = await s.store.listConversions('LTC');
    expect(records.at(-1)!.shares.map((x) => x.account)).toEqual(['ltc1qminerb']);
    // The crashed payout goes out; then miner a, back on LTC with its coins returned, is paid.
    await runPayouts(payoutDeps(s, wallet.sender));
    await runPayouts(payoutDeps(s, wallet.sender));
    expect(wallet.sent.flat()).toEqual([
      { account: 'ltc1qstays', amount: 100_000_000n },
      { account: 'ltc1qminera', amount: 200_000_000n },
    ]);
    const d = await debits(s);
    expect(d.converted.has('ltc1qstays')).toBe(false);
    for (const b of d.ltc.values()) expect(b.confirmed).toBe(0n);
  });
});
