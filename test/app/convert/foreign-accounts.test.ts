import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { runConversions } from '../../../app/convert/convert.js';
import { runPayouts } from '../../../app/payouts/payouts.js';
import { getCoin } from '../../../core/coins/registry.js';
import { foreignAccountsOf } from '../../../core/conversion/exclusion.js';
import { entryId } from '../../../core/ledger/entries.js';
import { auditBoth, type ConversionSetup, conversionFixtures, EVENT, fakeWallet, payoutDeps } from './helpers.js';

const { setup } = conversionFixtures();

/** Two switching miners' BTC addresses: their LTC-port shares were credited on LTC to these accounts. */
const btc = (fill: number) =>
  payments.p2wpkh({ hash: Buffer.alloc(20, fill), network: getCoin('BTC').networks.mainnet![0]! }).address!;
const SWITCHER = btc(1);
const SWITCHER_SIGNED_LTC = btc(2);
/** LTC is mined on a switching port paying in BTC. */
const foreign = foreignAccountsOf({ symbol: 'LTC', network: 'mainnet' }, { symbol: 'BTC', network: 'mainnet' });

/** The switching miners' LTC credits (confirmed PPS), beside the helpers' LTC miners. */
async function creditSwitchers(s: ConversionSetup) {
  await s.money.putEntries(
    'LTC',
    [
      [SWITCHER, 30_000_000n],
      [SWITCHER_SIGNED_LTC, 20_000_000n],
    ].map(([account, amount]) => ({
      id: entryId('pps', 'h101', 'miner', account as string),
      account: account as string,
      kind: 'pps' as const,
      role: 'miner' as const,
      amount: amount as bigint,
      ref: 'h101',
      time: 0,
    })),
  );
  // A signed choice of LTC itself by a foreign account (it could not come from the API, whose LTC routes take LTC
  // addresses only): still never paid on LTC's chain.
  await s.store.setPreference('LTC', {
    account: SWITCHER_SIGNED_LTC,
    currency: 'LTC',
    address: SWITCHER_SIGNED_LTC,
    updatedAt: 1,
  });
}

describe("a switching port's foreign accounts: one way out, conversion (dynalite + fake exchanges)", () => {
  it("the coin's payouts never pay a foreign account; conversion sells its balance and credits it in BTC at its own address", async () => {
    const s = await setup();
    await creditSwitchers(s);
    const wallet = fakeWallet();
    await runPayouts(payoutDeps(s, wallet.sender, { foreign }));
    // Only the LTC miner without a preference is paid in LTC.
    expect(wallet.sent.flat().map((r) => r.account)).toEqual(['ltc1qstays']);
    const converted = await runConversions({ ...s.deps, foreign }, EVENT);
    // Miners a and b (signed BTC preferences, kept) and both switchers: 2 + 1.5 + 0.3 + 0.2 LTC.
    expect(converted.conversions[0]).toMatchObject({ status: 'credited', sold: '400000000' });
    const record = (await s.store.listConversions('LTC'))[0]!;
    expect(record.shares.map((x) => [x.account, x.targetAccount])).toEqual(
      [
        ['ltc1qminera', 'bc1qminera'],
        ['ltc1qminerb', 'bc1qminerb'],
        [SWITCHER, SWITCHER],
        [SWITCHER_SIGNED_LTC, SWITCHER_SIGNED_LTC],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    const { ltc, btc: btcLedger } = await auditBoth(s);
    expect(ltc.get(SWITCHER)?.confirmed).toBe(0n);
    expect(ltc.get(SWITCHER_SIGNED_LTC)?.confirmed).toBe(0n);
    expect(btcLedger.get(SWITCHER)!.confirmed > 0n).toBe(true);
    expect(btcLedger.get(SWITCHER_SIGNED_LTC)!.confirmed > 0n).toBe(true);
    // The next payouts pass has nobody to pay: the switchers' LTC went to BTC.
    expect(await runPayouts(payoutDeps(s, wallet.sender, { foreign }))).toEqual({ status: 'idle' });
    expect(wallet.sent.flat().map((r) => r.account)).toEqual(['ltc1qstays']);
  });

  it('without conversion on the coin a foreign account accrues: payouts skip it', async () => {
    const s = await setup();
    await creditSwitchers(s);
    const wallet = fakeWallet();
    const { conversions: _none, ...deps } = payoutDeps(s, wallet.sender, { foreign });
    await runPayouts(deps);
    // Miners a and b are paid in LTC (no conversion to honour their choice); the switchers are not.
    expect(
      wallet.sent
        .flat()
        .map((r) => r.account)
        .sort(),
    ).toEqual(['ltc1qminera', 'ltc1qminerb', 'ltc1qstays']);
    const { ltc } = await auditBoth(s);
    expect(ltc.get(SWITCHER)?.confirmed).toBe(30_000_000n);
  });

  it('without the switching rule a foreign account is not converted (no preference) and is paid like any miner', async () => {
    // The control: what the rule changes. Without `foreign` the switcher's BTC address would be paid on LTC's chain.
    const s = await setup();
    await creditSwitchers(s);
    const wallet = fakeWallet();
    const { foreign: _none, ...deps } = payoutDeps(s, wallet.sender, { foreign });
    await runPayouts(deps);
    expect(wallet.sent.flat().map((r) => r.account)).toContain(SWITCHER);
  });
});
