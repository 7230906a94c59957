import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoConversionStore } from '../../../adapters/aws/dynamo-conversion-store.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { ensureTables, tableNames } from '../../../adapters/aws/tables.js';
import { CcxtExchange } from '../../../adapters/exchange/ccxt-exchange.js';
import type { ConvertDeps } from '../../../app/convert/deps.js';
import type { PayoutDeps } from '../../../app/payouts/payouts.js';
import {
  CONVERSION_EXCHANGES,
  type ConversionExchangeId,
  conversionConfigSchema,
} from '../../../core/conversion/config.js';
import { conversionLedgerView, settle } from '../../../core/conversion/record.js';
import { audit } from '../../../core/ledger/audit.js';
import { balancesFromEntries, entryId } from '../../../core/ledger/entries.js';
import type { PayoutRecipient } from '../../../core/ledger/payouts.js';
import type { PayoutSender } from '../../../core/ports/payout-sender.js';
import { type Dynamo, silentLog, startDynamo } from '../../helpers/dynamo.js';
import { FakeExchangeServer } from '../../helpers/fake-exchanges/server.js';

export const NOW = 1_800_000_000_000;
export const EVENT = { time: new Date(NOW).toISOString() };
export const config = conversionConfigSchema.parse({
  exchanges: [
    { id: 'binance', takerFeeBps: 10, withdrawalFees: { BTC: '100' } },
    { id: 'kraken', takerFeeBps: 40, withdrawalFees: { BTC: '50' } },
    { id: 'okx', takerFeeBps: 10, withdrawalFees: { BTC: '100' } },
  ],
  targets: [{ currency: 'BTC', wallet: 'bc1qpoolbtcwallet', feeWallets: [{ address: 'bc1qfeewallet' }] }],
  maxSlippageBps: 150,
});

/** Two miners opted in to BTC (2 and 1.5 LTC confirmed), one who did not (1 LTC). */
export const CREDITS: Array<[string, bigint]> = [
  ['ltc1qminera', 200_000_000n],
  ['ltc1qminerb', 150_000_000n],
  ['ltc1qstays', 100_000_000n],
];

let seq = 0;

/** dynalite for the test file and the fake exchanges of each test, stopped after it; `setup` as setupConversion. */
export function conversionFixtures() {
  let dynamo: Dynamo;
  const running: FakeExchangeServer[] = [];
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(() => dynamo.close());
  afterEach(async () => {
    for (const f of running.splice(0)) await f.stop();
  });
  return { setup: (over: Partial<ConvertDeps> = {}) => setupConversion(dynamo, running, over) };
}

/**
 * Fresh LTC and BTC tables on dynalite, the three fake exchanges (stopped by the caller from `running`), the CREDITS
 * as confirmed PPS credits, miners a and b opted in to BTC.
 */
export async function setupConversion(dynamo: Dynamo, running: FakeExchangeServer[], over: Partial<ConvertDeps> = {}) {
  const prefix = `cv${seq++}`;
  await ensureTables(dynamo.client, prefix, 'LTC');
  await ensureTables(dynamo.client, prefix, 'BTC');
  const doc = createDocumentClient(dynamo.client);
  const money = new DynamoMoneyStore(doc, (c) => tableNames(prefix, c));
  const store = new DynamoConversionStore(doc, (c) => tableNames(prefix, c));
  const fakes = Object.fromEntries(
    await Promise.all(CONVERSION_EXCHANGES.map(async (id) => [id, await new FakeExchangeServer(id).start()] as const)),
  ) as Record<ConversionExchangeId, FakeExchangeServer>;
  running.push(...Object.values(fakes));
  /** The time of the pool, the exchanges and their books; a test moves it on (`clock.now = …`). */
  const clock = { now: NOW };
  for (const f of Object.values(fakes)) f.ctx.now = () => clock.now;
  const exchanges = new Map(
    CONVERSION_EXCHANGES.map((id) => [
      id,
      new CcxtExchange({
        id,
        credentials: { apiKey: 'k', secret: 'c2VjcmV0', password: 'p', withdrawalKey: 'pool-btc' },
        apiBaseUrl: fakes[id].url,
        timeoutMs: 300,
        rateLimitMs: 1,
        attempts: 2,
        retryDelayMs: 1,
        now: () => clock.now,
      }),
    ]),
  );
  await money.putEntries(
    'LTC',
    CREDITS.map(([account, amount]) => ({
      id: entryId('pps', 'h100', 'miner', account),
      account,
      kind: 'pps' as const,
      role: 'miner' as const,
      amount,
      ref: 'h100',
      time: 0,
    })),
  );
  await store.setPreference('LTC', { account: 'ltc1qminera', currency: 'BTC', address: 'bc1qminera', updatedAt: 1 });
  await store.setPreference('LTC', { account: 'ltc1qminerb', currency: 'BTC', address: 'bc1qminerb', updatedAt: 1 });
  const deps: ConvertDeps = {
    coin: 'LTC',
    decimals: 8,
    config,
    money,
    store,
    exchanges,
    log: silentLog,
    now: () => clock.now,
    ...over,
  };
  return { deps, money, store, fakes, clock };
}

export type ConversionSetup = Awaited<ReturnType<typeof setupConversion>>;

/** Both ledgers pass the audit with every conversion's and payout's expected entries; their balances. */
export async function auditBoth({ money, store }: Pick<ConversionSetup, 'money' | 'store'>) {
  const records = await store.listConversions('LTC');
  const views = (side: 'source' | 'target') =>
    new Map(
      records.map((r) => [
        r.id,
        conversionLedgerView(
          r,
          side,
          r.fills ? settle(r, config.feeShareBps, config.targets[0]!.feeWallets) : undefined,
        ),
      ]),
    );
  const payouts = await money.listPayouts('LTC');
  const base = { matureBlocks: new Map(), creditedBlocks: new Map() };
  const ltc = await money.listEntries('LTC');
  const btc = await money.listEntries('BTC');
  expect(
    audit({
      ...base,
      entries: ltc,
      conversions: views('source'),
      confirmedPayouts: new Map(payouts.filter((p) => p.status === 'confirmed').map((p) => [p.id, p.total])),
      payouts: new Map(payouts.map((p) => [p.id, { status: p.status, recipients: p.recipients }])),
    }),
  ).toMatchObject({ ok: true });
  expect(audit({ ...base, confirmedPayouts: new Map(), entries: btc, conversions: views('target') })).toMatchObject({
    ok: true,
  });
  return { ltc: balancesFromEntries(ltc), btc: balancesFromEntries(btc), records, entries: ltc, payouts };
}

/** Orders each fake exchange executed per client order id: never more than one. */
export function ordersPerClientId(fakes: ConversionSetup['fakes']): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of Object.values(fakes)) {
    for (const id of f.ctx.book.executions) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

export const sum = (xs: Iterable<bigint>) => [...xs].reduce((a, b) => a + b, 0n);

/** A wallet that sends whatever it is asked to and confirms it at once; what it sent, per account. */
export function fakeWallet() {
  const sent: PayoutRecipient[][] = [];
  const sender: PayoutSender = {
    send: async (_id, recipients) => {
      sent.push(recipients);
      return `tx${sent.length}`;
    },
    findPayout: async () => [],
    confirmations: async () => 1,
    spendable: async () => 10n ** 12n,
  };
  return { sender, sent };
}

/** The LTC payouts pass of the fixtures (1 LTC minimum), with the conversion store. */
export function payoutDeps(
  s: Pick<ConversionSetup, 'money' | 'store'>,
  sender: PayoutSender,
  over: Partial<PayoutDeps> = {},
): PayoutDeps {
  return {
    coin: 'LTC',
    policy: { minimum: 1_000_000n, maxRecipients: 100, inactiveAfterMs: 0 },
    money: s.money,
    sender,
    conversions: s.store,
    log: silentLog,
    now: () => NOW,
    lease: { pollMs: 20 },
    ...over,
  };
}
