import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { payments } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { getCoin } from '../../core/coins/index.js';
import { parseConfig } from '../../core/config/load.js';
import { entryId } from '../../core/ledger/ledger.js';
import type { PpsChain } from '../../core/ports/chain-reader.js';
import type { PayoutSender } from '../../core/ports/payout-sender.js';
import { bitcoinFamily } from '../../families/bitcoin/index.js';
import type { ChainFamily } from '../../families/chain-family.js';
import { ChainFamilies } from '../../families/registry.js';
import { createLogger } from '../../local/logger.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { until } from '../fargate/stratum/fakes.js';
import { FakeCoinSource } from '../fargate/switching/fakes.js';
import { FakeExchangeServer } from '../helpers/fake-exchanges/server.js';

const address = (symbol: string, fill: number) =>
  payments.p2wpkh({ hash: Buffer.alloc(20, fill), network: getCoin(symbol).networks.regtest![0] }).address!;
/** DOGE has no segwit addresses: the pool wallets are legacy ones. */
const legacy = (symbol: string, fill: number) =>
  payments.p2pkh({ hash: Buffer.alloc(20, fill), network: getCoin(symbol).networks.regtest![0] }).address!;
/** A switching miner: it logs in on the scrypt port with a BTC address, so its LTC is credited to that account. */
const SWITCHER = address('BTC', 31);
const LTC_MINER = address('LTC', 32);

/** Every coin served by fake job sources; payouts "sent" are recorded, never broadcast. */
function fakeFamily() {
  const sent: string[][] = [];
  const sender: PayoutSender = {
    send: async (_id, recipients) => {
      sent.push(recipients.map((r) => r.account));
      return `tx${sent.length}`;
    },
    findPayout: async () => [],
    confirmations: async () => 1,
    spendable: async () => 10n ** 12n,
  };
  let prefix = 0;
  const family: ChainFamily = {
    name: 'switching-pool-test',
    deployment: { daemonSecret: false, moneyInVpc: false, stratumDockerfile: 'fargate/Dockerfile' },
    work: bitcoinFamily.work,
    money: {
      confirmation: () => ({ chain: {} as PpsChain, maturity: 10 }),
      payoutSender: () => sender,
      depositWallet: () => sender,
    },
    stratum: async () => ({ startJobs: async () => new FakeCoinSource((++prefix).toString(16), 10n ** 8n) }),
  };
  return { family, sent };
}

/**
 * `npm start` with a scrypt switching port paying in BTC (LTC and DOGE converting to BTC): the pool wires the port's
 * foreign-account rule into LTC's payouts and conversion, and the API answers from the port's store.
 */
describe('local pool with a switching port paying in BTC', () => {
  const fake = fakeFamily();
  let dataDir: string;
  let pool: LocalPool;
  let binance: FakeExchangeServer;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'edgepool-switching-pool-'));
    binance = await new FakeExchangeServer('binance').start();
    const exchange = {
      id: 'binance',
      takerFeeBps: 10,
      withdrawalFees: { BTC: '100' },
      credentials: { apiKey: 'k', secret: 'c2VjcmV0', withdrawalKey: 'pool-btc' },
      apiBaseUrl: binance.url,
    };
    const coin = (symbol: string, fill: number, converts: boolean) => ({
      symbol,
      family: 'switching-pool-test',
      network: 'regtest',
      poolAddress: legacy(symbol, fill),
      daemons: [{ url: 'http://127.0.0.1:1', user: 'u', password: 'p' }],
      ports: [{ port: 0, host: '127.0.0.1', difficulty: { initial: 1, min: 1, max: 1 } }],
      rewards: { scheme: 'PPLNS', feeBasisPoints: 0, feeWallets: [{ address: legacy(symbol, fill) }] },
      payouts: { wallet: 'pool', minimum: '1000', maxRecipients: 10 },
      ...(converts
        ? {
            conversion: {
              exchanges: [exchange],
              targets: [{ currency: 'BTC', wallet: address('BTC', 9), feeWallets: [{ address: address('BTC', 9) }] }],
              maxSlippageBps: 150,
            },
          }
        : {}),
    });
    const config = parseConfig({
      http: { host: '127.0.0.1', port: 0 },
      coins: [coin('LTC', 1, true), coin('DOGE', 2, true), coin('BTC', 3, false)],
      switching: [
        {
          name: 'scrypt',
          algorithm: 'scrypt',
          coins: ['LTC', 'DOGE'],
          payoutCurrency: 'BTC',
          ports: [{ port: 0, host: '127.0.0.1', difficulty: { initial: 1, min: 1, max: 1 } }],
          prices: { exchanges: [{ id: 'binance', apiBaseUrl: binance.url }] },
        },
      ],
    });
    pool = await startLocalPool({
      config,
      dataDir,
      log: createLogger('switching-pool', 'silent'),
      moneyTimers: false,
      families: new ChainFamilies([fake.family]),
      coinRetryMs: 100,
    });
    // Confirmed LTC: the switcher's from the scrypt port, an LTC miner's from LTC's own port.
    await pool.storage.money.putEntries(
      'LTC',
      [
        [SWITCHER, 30_000_000n],
        [LTC_MINER, 20_000_000n],
      ].map(([account, amount]) => ({
        id: entryId('pps', 'h100', 'miner', account as string),
        account: account as string,
        kind: 'pps' as const,
        role: 'miner' as const,
        amount: amount as bigint,
        ref: 'h100',
        time: 0,
      })),
    );
  }, 60_000);

  afterAll(async () => {
    await pool?.stop();
    await binance?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("LTC's payouts runner never pays the switcher's BTC address; its conversion sells it into BTC at that address", async () => {
    const ltc = pool.coins.get('LTC')!.money!;
    const planned = await ltc.payouts({ dryRun: true });
    expect(planned).toMatchObject({ status: 'dry-run' });
    expect(planned.status === 'dry-run' && planned.recipients.map((r) => r.account)).toEqual([LTC_MINER]);

    const report = await ltc.conversion!.run();
    expect(report.conversions[0]).toMatchObject({ status: 'credited', sold: '30000000' });
    const [record] = await pool.storage.conversions.listConversions('LTC');
    expect(record!.shares.map((s) => [s.account, s.targetAccount])).toEqual([[SWITCHER, SWITCHER]]);
    expect((await ltc.balances()).get(SWITCHER)?.confirmed).toBe(0n);
    expect((await pool.storage.money.listBalances('BTC')).get(SWITCHER)!.confirmed > 0n).toBe(true);

    await ltc.payouts();
    expect(fake.sent).toEqual([[LTC_MINER]]);
  });

  it("leases the port's extranonce1 prefix in every coin's stats table, apart from the coins' own", async () => {
    await until(() => pool.switching!.services.has('scrypt'), 'the switching port');
    const doc = createDocumentClient(pool.storage.client);
    const leases = async (symbol: string) =>
      (
        await doc.send(
          new QueryCommand({
            TableName: pool.storage.tables.get(symbol)!.stats,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': 'PREFIX' },
          }),
        )
      ).Items ?? [];
    const port = (items: Array<Record<string, unknown>>) =>
      items.filter((i) => String(i.owner).startsWith('local-switching-scrypt')).map((i) => i.sk);
    const [ltc, doge] = [await leases('LTC'), await leases('DOGE')];
    expect(port(ltc)).toHaveLength(1);
    expect(port(doge)).toEqual(port(ltc));
    // Each coin's own task holds another prefix in its table.
    expect(ltc.map((i) => i.sk)).toHaveLength(2);
    expect(doge.map((i) => i.sk)).toHaveLength(2);
  });

  it('/api/switching answers from the switching store on the pool’s HTTP port', async () => {
    const res = await fetch(`http://127.0.0.1:${pool.httpPort}/api/switching`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ports: Array<{ name: string; payoutCurrency: string | null }> };
    expect(body.ports.map((p) => [p.name, p.payoutCurrency])).toEqual([['scrypt', 'BTC']]);
    const history = await fetch(`http://127.0.0.1:${pool.httpPort}/api/switching/scrypt/history`);
    expect(history.status).toBe(200);
  });
});
