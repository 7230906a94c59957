import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../../adapters/rpc/daemon-client.js';
import { CONVERSION_EXCHANGES } from '../../core/conversion/config.js';
import { preferenceMessage } from '../../core/conversion/preference-message.js';
import { audit } from '../../core/ledger/audit.js';
import { balancesFromEntries } from '../../core/ledger/entries.js';
import { formatAmount, parseAmount } from '../../core/ledger/payouts.js';
import { conversionViews } from '../../local/audit.js';
import { ensureWallet } from '../../local/devnet/chain.js';
import { createLogger } from '../../local/logger.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { ARTIFACTS, launchChromium } from '../helpers/browser.js';
import { withDevnet } from '../helpers/devnet.js';
import { FakeExchangeServer } from '../helpers/fake-exchanges/server.js';
import { testKey } from '../helpers/message-signer.js';
import { testPoolConfig } from '../helpers/pool-config.js';
import { TestMiner } from '../helpers/test-miner.js';

/** Deep books, Binance best: the whole batch sells there (so its timeout below hits the conversion). */
const BOOKS = {
  binance: { bids: [['0.00123000', '5000']], asks: [['0.00123100', '5000']] },
  kraken: { bids: [['0.00122000', '5000']], asks: [['0.00122100', '5000']] },
  okx: { bids: [['0.00121000', '5000']], asks: [['0.00121100', '5000']] },
} as Record<string, { bids: [string, string][]; asks: [string, string][] }>;

const BTC_WALLET = testKey('BTC', 'regtest', 11).address.p2wpkh;
const BTC_FEES = testKey('BTC', 'regtest', 12).address.p2wpkh;
const ALICE_BTC = testKey('BTC', 'regtest', 13).address.p2wpkh;

/**
 * Auto-conversion end to end on the devnet with the fake exchanges: a miner opts in with a message signed by
 * litecoind's `signmessage`, her blocks mature, the conversion runs (her LTC deposited to Binance from the pool
 * wallet first; Binance times out after filling the order), and she ends up with BTC, once, while the other miner is
 * paid in LTC; both ledgers pass the audit.
 */
describe('auto-conversion on the devnet', () => {
  const net = withDevnet();
  const fakes: FakeExchangeServer[] = [];
  let pool: LocalPool;
  let alice: string;
  let bob: string;
  let wallet: DaemonClient;
  let exchangeWallet: DaemonClient;

  beforeAll(async () => {
    const devnet = net.get();
    wallet = devnet.minerWallet;
    alice = await wallet.getNewAddress('alice', 'legacy'); // litecoind signs messages with legacy keys
    bob = await wallet.getNewAddress('bob', 'bech32');
    await devnet.minerWallet.sendToAddress(devnet.poolAddress, 5);
    await devnet.mine(1);
    for (const id of CONVERSION_EXCHANGES) fakes.push(await new FakeExchangeServer(id, BOOKS[id]).start());
    // Binance takes deposits: its deposit address is one of another wallet on the devnet.
    exchangeWallet = await ensureWallet(devnet.clientA, 'binance');
    fakes[0]!.ctx.depositAddress = await exchangeWallet.getNewAddress('deposits', 'bech32');
    const config = testPoolConfig(devnet, 0.00001, {
      rewards: { scheme: 'PPLNS', feeBasisPoints: 100, feeWallets: [{ address: bob }], pplnsWindowFactor: 100_000 },
      payouts: { wallet: 'pool', minimum: '1000', maxRecipients: 10, intervalSeconds: 3600 },
      conversion: {
        exchanges: fakes.map((f) => ({
          id: f.id,
          apiBaseUrl: f.url,
          credentials: { apiKey: 'k', secret: 'c2VjcmV0', password: 'p', withdrawalKey: 'pool-btc' },
          withdrawalFees: { BTC: '1000' },
          ...(f.id === 'binance' ? { deposit: {} } : {}),
        })),
        targets: [{ currency: 'BTC', wallet: BTC_WALLET, feeWallets: [{ address: BTC_FEES }] }],
        maxPriceAgeSeconds: 30,
        minimum: '1000',
      },
    });
    pool = await startLocalPool({
      config,
      dataDir: net.dataDir(),
      log: createLogger('e2e-conversion', 'silent'),
      moneyTimers: false,
    });
  }, 120_000);

  afterAll(async () => {
    await pool?.stop();
    for (const f of fakes) await f.stop();
  });

  it('converts the opted-in miner to BTC exactly once, pays the other in LTC, and both ledgers audit', async () => {
    const base = `http://127.0.0.1:${pool.httpPort}/api/pools/LTC/miners`;
    // Alice opts in: the message the dashboard shows, signed by her mining key in litecoind.
    const view = (await (await fetch(`${base}/${alice}/conversion`)).json()) as { enabled: boolean };
    expect(view.enabled).toBe(true);
    const time = new Date().toISOString();
    const message = preferenceMessage({
      pool: pool.config.pool.name,
      coin: 'LTC',
      account: alice,
      currency: 'BTC',
      address: ALICE_BTC,
      time,
    });
    const signature = await wallet.call<string>('signmessage', [alice, message]);
    const forged = await fetch(`${base}/${bob}/conversion`, {
      method: 'POST',
      body: JSON.stringify({ currency: 'BTC', address: ALICE_BTC, time, signature }),
    });
    expect(forged.status).toBe(403); // Alice's signature cannot redirect Bob's earnings
    const opted = await fetch(`${base}/${alice}/conversion`, {
      method: 'POST',
      body: JSON.stringify({ currency: 'BTC', address: ALICE_BTC, time, signature }),
    });
    expect(opted.status).toBe(200);

    const port = pool.coins.get('LTC')!.service.ports[0]!;
    const a = await TestMiner.connect(port, `${alice}.rig`);
    const b = await TestMiner.connect(port, `${bob}.rig`);
    for (let i = 0; i < 6; i++) {
      await a.submitOne();
      await new Promise((r) => setTimeout(r, 50));
      await b.submitOne();
      await new Promise((r) => setTimeout(r, 50));
    }
    a.close();
    b.close();
    await pool.settle();
    const money = pool.coins.get('LTC')!.money!;
    await money.confirm();
    await net.get().mine(101);
    await money.confirm();
    const before = await money.balances();
    const aliceLtc = before.get(alice)!.confirmed;
    expect(aliceLtc).toBeGreaterThan(0n);
    expect(before.get(bob)!.confirmed).toBeGreaterThan(0n);

    // Alice's LTC goes to Binance first, from the pool wallet: nothing sells before Binance credits the deposit.
    const first = await money.conversion!.run();
    expect(first.conversions[0]).toMatchObject({ status: 'depositing' });
    const [deposit] = await pool.storage.conversions.listDeposits('LTC');
    expect(deposit).toMatchObject({ exchange: 'binance', status: 'sent', amount: aliceLtc });
    const received = await exchangeWallet.call<number>('getreceivedbyaddress', [fakes[0]!.ctx.depositAddress, 0]);
    expect(parseAmount(received)).toBe(aliceLtc);
    // Meanwhile a payout pass pays Bob and leaves Alice to the conversion.
    await money.payouts();
    await net.get().mine(1);
    await money.payouts();
    fakes[0]!.receive({ txid: deposit!.txid!, amount: formatAmount(deposit!.amount), credited: true });
    // Binance fills the order and never answers: nothing is credited, nothing is sold twice.
    fakes[0]!.fail('order', 'fill-then-timeout');
    expect((await money.conversion!.run()).conversions[0]).toMatchObject({ status: 'ordered' });
    const second = await money.conversion!.run();
    expect(second.conversions[0]).toMatchObject({ status: 'credited' });
    // Sold in the exchange's lots (Binance LTCBTC stepSize 0.001 LTC): what does not make a lot stays in LTC.
    const sold = BigInt(second.conversions[0]!.sold!);
    expect(sold).toBeLessThanOrEqual(aliceLtc);
    expect(aliceLtc - sold).toBeLessThan(100_000n);
    expect(await money.conversion!.run()).toMatchObject({ conversions: [] });

    const after = await money.balances();
    expect(after.get(alice)).toMatchObject({ confirmed: aliceLtc - sold, pending: 0n, paid: 0n });
    expect(after.get(bob)!.paid).toBe(before.get(bob)!.confirmed);
    const executions = fakes.flatMap((f) => f.ctx.book.executions);
    expect(new Set(executions).size).toBe(executions.length);
    expect(fakes[0]!.ctx.withdrawals).toHaveLength(1);
    expect(fakes[0]!.ctx.withdrawals[0]!.address).toBe(BTC_WALLET);

    // Alice's balance is in BTC: ~0.00123 per LTC minus 0.1 % taker fee and the withdrawal fee.
    const btcEntries = await pool.storage.money.listEntries('BTC');
    const btc = balancesFromEntries(btcEntries);
    const aliceBtc = btc.get(ALICE_BTC)!.confirmed;
    expect(aliceBtc).toBe(BigInt(second.conversions[0]!.received!) - BigInt(second.conversions[0]!.fee!));
    const ideal = (sold * 123n) / 100_000n;
    expect(aliceBtc).toBeLessThanOrEqual(ideal);
    expect(aliceBtc).toBeGreaterThan((ideal * 998n) / 1000n - 1000n);

    expect(await money.audit()).toMatchObject({ ok: true });
    const records = await pool.storage.conversions.listConversions('LTC');
    const target = audit({
      entries: btcEntries,
      matureBlocks: new Map(),
      creditedBlocks: new Map(),
      confirmedPayouts: new Map(),
      conversions: conversionViews(records, 'target', pool.config.coins[0]!.conversion!),
    });
    expect(target).toMatchObject({ ok: true });
  }, 180_000);

  it('lets a miner choose BTC on the dashboard, signing the prepared message in their wallet', async () => {
    const carol = await wallet.getNewAddress('carol', 'legacy');
    const carolBtc = testKey('BTC', 'regtest', 14).address.p2wpkh;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${pool.httpPort}/#/miner/${carol}`);
      await page.getByTestId('payout-currency').waitFor();
      expect(await page.getByTestId('payout-currency').textContent()).toContain('Paid in LTC');
      // The quotes come from the fake exchanges' books, after fees: a BTC row with a rate.
      expect(await page.getByTestId('quote-row').first().textContent()).toMatch(/BTC\s*0\.0012/);
      await page.locator('#conversion-form select[name=currency]').selectOption('BTC');
      await page.getByLabel('Your address in that currency').fill(carolBtc);
      await page.getByRole('button', { name: 'Prepare message' }).click();
      const message = (await page.getByTestId('sign-message').textContent())!;
      expect(message).toContain(carol);
      expect(message).toContain(`pool: ${pool.config.pool.name}`); // from the API's answer: valid on this pool only
      expect(message).toContain(carolBtc);

      // A signature of another message is refused, and nothing changes.
      const wrong = await wallet.call<string>('signmessage', [carol, `${message} `]);
      await page.getByLabel('Signature').fill(wrong);
      await page.getByRole('button', { name: 'Change payout currency' }).click();
      await expect.poll(() => page.getByTestId('conversion-result').textContent()).toMatch(/^Refused/);

      const signature = await wallet.call<string>('signmessage', [carol, message]);
      await page.getByLabel('Signature').fill(signature);
      await page.getByRole('button', { name: 'Change payout currency' }).click();
      await expect
        .poll(() => page.getByTestId('payout-currency').textContent())
        .toContain(`Paid in BTC to ${carolBtc}`);
      expect(await page.locator('#conversion-form select[name=currency]').inputValue()).toBe('BTC'); // the current one
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-payout-currency.png'), fullPage: true });
      const stored = (await (
        await fetch(`http://127.0.0.1:${pool.httpPort}/api/pools/LTC/miners/${carol}/conversion`)
      ).json()) as { preference: { currency: string; address: string } };
      expect(stored.preference).toMatchObject({ currency: 'BTC', address: carolBtc });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
