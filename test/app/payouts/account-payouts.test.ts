import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import type { DaemonClient } from '../../../adapters/rpc/daemon-client.js';
import { WalletPayoutSender } from '../../../adapters/rpc/wallet-payout-sender.js';
import type { AccountPayouts } from '../../../app/payouts/account-settings.js';
import type { AuxPayoutAddresses } from '../../../app/payouts/aux-recipients.js';
import { type PayoutDeps, runPayouts } from '../../../app/payouts/payouts.js';
import type { PayoutSettings } from '../../../core/accounts/types.js';
import { getCoin } from '../../../core/coins/index.js';
import type { MinerPayoutSettingsReader } from '../../../core/ports/account-store.js';
import { DOGE_FEE, dogeAddress, ltcAddress, mergedTables } from '../../helpers/aux-money.js';
import { CoreLikeWallet } from '../../helpers/core-like-wallet.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { maturedCredits } from '../../helpers/matured-credits.js';

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;

/** The accounts' settings as the payouts pass reads them (the Dynamo reader is tested on dynalite apart). */
class Settings implements MinerPayoutSettingsReader {
  readonly byCoin = new Map<string, Map<string, PayoutSettings>>();
  readonly asked: Array<[string, string | undefined]> = [];
  set(coin: string, address: string, s: PayoutSettings) {
    const m = this.byCoin.get(coin) ?? new Map<string, PayoutSettings>();
    m.set(address, s);
    this.byCoin.set(coin, m);
  }
  async payoutSettingsByAddress(coin: string, identityCoin?: string) {
    this.asked.push([coin, identityCoin]);
    return new Map(this.byCoin.get(coin));
  }
}

/**
 * Miner accounts in a coin's payouts pass (issue 19), through runPayouts on the money store on dynalite and the
 * wallet RPC sender: thresholds, payout addresses, the cool-down hold, and the aux coin's order of addresses.
 */
describe('payouts with miner accounts', () => {
  let dynamo: Dynamo;
  let money: DynamoMoneyStore;
  let wallet: CoreLikeWallet;
  let settings: Settings;
  let seq = 0;
  let blocks = 0;
  const infos: Array<Record<string, unknown>> = [];
  const warns: Array<Record<string, unknown>> = [];
  const log = {
    info: (o: unknown) => void infos.push(o as never),
    warn: (o: unknown) => void warns.push(o as never),
    error() {},
  };
  const [alice, bob, carol, dave] = [1, 2, 3, 4].map(ltcAddress) as [string, string, string, string];
  const FEE = ltcAddress(0xaf);

  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });
  beforeEach(async () => {
    const tables = await mergedTables(dynamo, `accpay${seq++}`);
    money = new DynamoMoneyStore(createDocumentClient(dynamo.client), (c) => tables.get(c)!);
    wallet = new CoreLikeWallet();
    settings = new Settings();
    infos.length = 0;
    warns.length = 0;
  });

  const accounts = (coin: 'LTC' | 'DOGE' = 'LTC'): AccountPayouts => ({
    reader: settings,
    coin: getCoin(coin),
    network: 'regtest',
    identityCoin: 'LTC',
    bounds: { min: 1_000n, max: 100_000n },
    ownAccounts: new Set([coin === 'LTC' ? FEE : DOGE_FEE]),
  });
  const deps = (now = NOW, extra: Partial<PayoutDeps> = {}): PayoutDeps => ({
    coin: 'LTC',
    policy: { minimum: 1_000n, maxRecipients: 50 },
    money,
    sender: new WalletPayoutSender(wallet as unknown as DaemonClient, 8),
    accounts: accounts(),
    log,
    now: () => now,
    ...extra,
  });
  async function credit(coin: string, owed: Array<[string, bigint]>) {
    await money.putEntries(coin, maturedCredits(new Map(owed), `b${++blocks}`, NOW));
  }
  const confirmed = async (coin: string, account: string) =>
    (await money.listBalances(coin)).get(account)?.confirmed ?? 0n;

  it("pays at the account's threshold instead of the pool's minimum, clamped into the coin's bounds", async () => {
    await credit('LTC', [
      [alice, 5_000n],
      [bob, 500n],
      [carol, 2_000n],
      [dave, 200_000n],
    ]);
    settings.set('LTC', alice, { threshold: 10_000n }); // above her balance: waits
    settings.set('LTC', bob, { threshold: 400n }); // below the bounds (the config changed): 1,000 is used
    settings.set('LTC', dave, { threshold: 5_000_000n }); // above the bounds: 100,000 is used
    const report = await runPayouts(deps());
    expect(report.status).toBe('progressed');
    expect(Object.fromEntries(wallet.received())).toEqual({ [carol]: 2_000n, [dave]: 200_000n });
    expect(await confirmed('LTC', alice)).toBe(5_000n);
    expect(await confirmed('LTC', bob)).toBe(500n);
    // Each clamped value is reported, once: a second pass says nothing more about them.
    const clamped = () => warns.filter((w) => 'stored' in w).map((w) => [w.account, w.used]);
    expect(clamped()).toEqual([
      [bob, '1000'],
      [dave, '100000'],
    ]);
    await credit('LTC', [[alice, 6_000n]]);
    await runPayouts(deps());
    expect(wallet.received().get(alice)).toBe(11_000n);
    expect(clamped()).toHaveLength(2);
  });

  it("pays an account's identities at its payout address, and keeps a planned payout's address after a change", async () => {
    const payTo = ltcAddress(0x51);
    await credit('LTC', [
      [alice, 3_000n],
      [bob, 4_000n],
    ]);
    settings.set('LTC', alice, { payoutAddress: payTo });
    settings.set('LTC', bob, { payoutAddress: payTo });
    settings.set('LTC', FEE, { payoutAddress: ltcAddress(0x66) }); // a fee wallet is never redirected
    await credit('LTC', [[FEE, 9_000n]]);
    const crash = (s: string) => {
      if (s === 'after-reserve') throw new Error('crash');
    };
    await expect(runPayouts(deps(NOW, { crashAt: crash }))).rejects.toThrow('crash');
    const [planned] = await money.listPayouts('LTC');
    expect(planned!.recipients).toEqual(
      expect.arrayContaining([
        { account: alice, amount: 3_000n, address: payTo },
        { account: bob, amount: 4_000n, address: payTo },
        { account: FEE, amount: 9_000n },
      ]),
    );
    // The account moves its payout address after the payout was planned: the payout goes where it was planned.
    settings.set('LTC', alice, { payoutAddress: ltcAddress(0x52) });
    await runPayouts(deps());
    expect(Object.fromEntries(wallet.received())).toEqual({ [payTo]: 7_000n, [FEE]: 9_000n });
    // The ledger keeps the money on the mining addresses (the accounts), paid.
    const balances = await money.listBalances('LTC');
    expect(balances.get(alice)).toMatchObject({ confirmed: 0n, paid: 3_000n });
  });

  it('holds the payouts of an account whose payout address is cooling down, and pays the new address after', async () => {
    const changedTo = ltcAddress(0x61);
    await credit('LTC', [
      [alice, 3_000n],
      [bob, 2_000n],
    ]);
    settings.set('LTC', alice, { payoutAddress: changedTo, holdUntil: NOW + 24 * HOUR });
    await runPayouts(deps());
    expect(Object.fromEntries(wallet.received())).toEqual({ [bob]: 2_000n });
    expect(await confirmed('LTC', alice)).toBe(3_000n); // accrues
    expect(infos.find((i) => 'held' in i)).toMatchObject({ held: 1 });
    // Neither the mining address nor the new address is paid during the cool-down.
    await runPayouts(deps(NOW + 24 * HOUR - 1));
    expect(wallet.received().has(alice)).toBe(false);
    expect(wallet.received().has(changedTo)).toBe(false);
    await runPayouts(deps(NOW + 24 * HOUR + 1));
    expect(wallet.received().get(changedTo)).toBe(3_000n);
    expect(wallet.received().has(alice)).toBe(false);
  });

  it('does not pay an account whose stored payout address is not an address of the coin', async () => {
    await credit('LTC', [
      [alice, 3_000n],
      [bob, 2_000n],
    ]);
    settings.set('LTC', alice, { payoutAddress: 'rltc1qnotanaddress' }); // a bad checksum
    await runPayouts(deps());
    expect(Object.fromEntries(wallet.received())).toEqual({ [bob]: 2_000n });
    expect(await confirmed('LTC', alice)).toBe(3_000n);
    expect(warns.find((w) => 'accounts' in w)).toMatchObject({ accounts: [alice] });
  });

  it("an aux coin pays an account's own payout address before its password's aux address", async () => {
    const aux: AuxPayoutAddresses = {
      store: {
        listAuxAddresses: async () =>
          new Map([
            [alice, { address: dogeAddress(1), source: 'password', setAt: NOW }],
            [bob, { address: dogeAddress(2), source: 'password', setAt: NOW }],
          ]),
      },
      coin: getCoin('DOGE'),
      network: 'regtest',
      ownAccounts: new Set([DOGE_FEE]),
    };
    await credit('DOGE', [
      [alice, 3_000n],
      [bob, 2_000n],
      [carol, 4_000n],
      [dave, 5_000n],
    ]);
    settings.set('DOGE', alice, { payoutAddress: dogeAddress(0x71) }); // set by the account: first
    settings.set('DOGE', carol, { payoutAddress: dogeAddress(0x73) }); // no password address: the account's
    // dave has neither: accrues
    const report = await runPayouts(deps(NOW, { coin: 'DOGE', auxAddresses: aux, accounts: accounts('DOGE') }));
    expect(report.status).toBe('progressed');
    expect(settings.asked).toEqual([['DOGE', 'LTC']]);
    expect(Object.fromEntries(wallet.received())).toEqual({
      [dogeAddress(0x71)]: 3_000n,
      [dogeAddress(2)]: 2_000n,
      [dogeAddress(0x73)]: 4_000n,
    });
    expect(await confirmed('DOGE', dave)).toBe(5_000n);
  });
});
