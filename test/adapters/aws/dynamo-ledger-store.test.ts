import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoLedgerStore, entryItem, REPAIR_AFTER_MS } from '../../../adapters/aws/dynamo-ledger-store.js';
import type { TableNames } from '../../../adapters/aws/tables.js';
import { LedgerConflictError } from '../../../core/errors.js';
import { balancesFromEntries, blockEntries, type LedgerEntry, payoutEntries } from '../../../core/ledger/ledger.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

const NOW = 1_700_000_000_000;
const credits = [
  { account: 'alice', role: 'miner' as const, amount: 700n },
  { account: 'bob', role: 'miner' as const, amount: 300n },
];

describe('DynamoLedgerStore balances kept with the entries (dynalite)', () => {
  let dynamo: Dynamo;
  let doc: ReturnType<typeof createDocumentClient>;
  const fresh = async () => {
    await dynamo.freshStore();
    const names: TableNames = dynamo.lastTables!;
    return {
      names,
      ledger: new DynamoLedgerStore(
        doc,
        () => names,
        () => NOW,
      ),
    };
  };
  beforeAll(async () => {
    dynamo = await startDynamo();
    doc = createDocumentClient(dynamo.client);
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('counts each entry once in its balance however often it is written, and matches the entries', async () => {
    const { ledger } = await fresh();
    const immature = blockEntries('immature', 'h1', credits, NOW);
    const mature = blockEntries('mature', 'h1', credits, NOW);
    await ledger.putEntries('LTC', immature);
    await ledger.putEntries('LTC', [...immature, ...mature]);
    await ledger.putEntries('LTC', mature);
    const reserve = payoutEntries('reserve', { id: 'p1', recipients: [{ account: 'alice', amount: 500n }] }, NOW);
    await ledger.putEntries('LTC', reserve);
    await ledger.putEntries('LTC', reserve);
    const balances = await ledger.listBalances('LTC');
    expect(balances.get('alice')).toEqual({ immature: 0n, confirmed: 200n, pending: 500n, paid: 0n });
    expect(balances).toEqual(balancesFromEntries(await ledger.listEntries('LTC')));
    expect(await ledger.getBalance('LTC', 'bob')).toEqual({ immature: 0n, confirmed: 300n, pending: 0n, paid: 0n });
  });

  it("writes many accounts' entries at once, each account's in order, and still refuses a changed replay", async () => {
    const { ledger } = await fresh();
    const miners = Array.from({ length: 40 }, (_, i) => ({
      account: `m${i}`,
      role: 'miner' as const,
      amount: 10n + BigInt(i),
    }));
    const both = [...blockEntries('immature', 'h1', miners, NOW), ...blockEntries('mature', 'h1', miners, NOW)];
    expect(await ledger.putEntries('LTC', both)).toBe(80);
    expect(await ledger.putEntries('LTC', both)).toBe(0);
    const changed = blockEntries(
      'immature',
      'h1',
      miners.map((m) => (m.account === 'm33' ? { ...m, amount: 1n } : m)),
      NOW,
    );
    await expect(ledger.putEntries('LTC', changed)).rejects.toThrow(LedgerConflictError);
    const balances = await ledger.listBalances('LTC');
    expect(balances.get('m7')).toEqual({ immature: 0n, confirmed: 17n, pending: 0n, paid: 0n });
    expect(balances).toEqual(balancesFromEntries(await ledger.listEntries('LTC')));
    expect([...balances.values()].reduce((s, b) => s + b.confirmed, 0n)).toBe(40n * 10n + 780n);
  });

  it('keeps wei exact: amounts beyond 2^53 add without rounding', async () => {
    const { ledger } = await fresh();
    const big = 123_456_789_012_345_678_901n;
    await ledger.putEntries('ETH', blockEntries('immature', 'h1', [{ account: 'a', role: 'miner', amount: big }], NOW));
    await ledger.putEntries('ETH', blockEntries('mature', 'h1', [{ account: 'a', role: 'miner', amount: big }], NOW));
    expect((await ledger.getBalance('ETH', 'a')).confirmed).toBe(big);
  });

  it('repairs an entry a crash left unapplied once it is old, exactly once, and a young one by its writer', async () => {
    const { names, ledger } = await fresh();
    const [old] = blockEntries('immature', 'h1', credits.slice(0, 1), NOW - REPAIR_AFTER_MS - 1);
    const [young] = blockEntries('immature', 'h2', credits.slice(1), NOW - 1000);
    // The writer died after step (a): the entries are there, their balances never counted them.
    for (const e of [old!, young!])
      await doc.send(new PutCommand({ TableName: names.ledger, Item: item(e, 'UNAPPLIED') }));
    await doc.send(new PutCommand({ TableName: names.ledger, Item: { pk: 'STATE', sk: 'balances', at: 0 } }));
    expect(await ledger.getBalance('LTC', 'alice')).toEqual({ immature: 0n, confirmed: 0n, pending: 0n, paid: 0n });
    // The young one is its writer's: its retry applies it; the repair leaves it alone.
    expect(await ledger.repairBalances('LTC')).toBe(1);
    expect(await ledger.repairBalances('LTC')).toBe(0);
    expect((await ledger.getBalance('LTC', 'alice')).immature).toBe(700n);
    expect((await ledger.getBalance('LTC', 'bob')).immature).toBe(0n);
    await ledger.putEntries('LTC', [young!]);
    await ledger.putEntries('LTC', [young!]);
    expect((await ledger.getBalance('LTC', 'bob')).immature).toBe(300n);
    expect(await ledger.listBalances('LTC')).toEqual(balancesFromEntries(await ledger.listEntries('LTC')));
  });

  it('counts the entries of a ledger written before balances were kept, once, on the first repair', async () => {
    const { names, ledger } = await fresh();
    for (const e of blockEntries('immature', 'h1', credits, 5))
      await doc.send(new PutCommand({ TableName: names.ledger, Item: item(e) }));
    expect(await ledger.listBalances('LTC')).toEqual(
      new Map([
        ['alice', { immature: 700n, confirmed: 0n, pending: 0n, paid: 0n }],
        ['bob', { immature: 300n, confirmed: 0n, pending: 0n, paid: 0n }],
      ]),
    );
    expect(await ledger.repairBalances('LTC')).toBe(0);
    expect((await ledger.listBalances('LTC')).get('alice')!.immature).toBe(700n);
  });

  it("reads an account's newest entries of the kinds asked, newest first, no more than the limit", async () => {
    const { ledger } = await fresh();
    for (let i = 0; i < 30; i++) await ledger.putEntries('LTC', blockEntries('immature', `h${i}`, credits, NOW + i));
    await ledger.putEntries('LTC', blockEntries('mature', 'h0', credits, NOW + 100));
    const recent = await ledger.listRecentEntries('LTC', 'alice', ['immature'], 5);
    expect(recent.map((e) => e.ref)).toEqual(['h29', 'h28', 'h27', 'h26', 'h25']);
    expect(recent.every((e) => e.account === 'alice')).toBe(true);
  });

  it("reads a miner page's entries as bounded Query pages on its own view, whatever the account's history", async () => {
    const { names } = await fresh();
    const queries: Array<{ input: Record<string, unknown>; scanned: number }> = [];
    const counting = createDocumentClient(dynamo.client);
    const send = counting.send.bind(counting) as (c: unknown) => Promise<Record<string, unknown>>;
    (counting as { send: unknown }).send = async (command: { input: Record<string, unknown> }) => {
      const out = await send(command);
      if (command.constructor.name === 'QueryCommand')
        queries.push({ input: command.input, scanned: Number(out.ScannedCount) });
      return out;
    };
    const ledger = new DynamoLedgerStore(
      counting,
      () => names,
      () => NOW,
    );
    const many = Array.from({ length: 16 }, (_, i) => ({ account: `m${i}`, role: 'miner' as const, amount: 5n }));
    for (let i = 0; i < 60; i++)
      await ledger.putEntries('LTC', blockEntries('immature', `h${i}`, [...credits, ...many], NOW + i));
    for (let i = 0; i < 60; i++)
      await ledger.putEntries('LTC', blockEntries('mature', `h${i}`, credits, NOW + 100 + i));
    queries.length = 0;
    const recent = await ledger.listRecentEntries('LTC', 'alice', ['immature'], 10);
    expect(recent.map((e) => e.ref)).toEqual(['h59', 'h58', 'h57', 'h56', 'h55', 'h54', 'h53', 'h52', 'h51', 'h50']);
    // 120 entries of alice's, 1,140 in the ledger: pages of at most the limit on alice's view, newest first, until
    // ten matched (the 60 newer `mature` entries are read and filtered out)
    expect(queries.every((q) => q.input.IndexName === 'byView' && q.input.Limit === 10)).toBe(true);
    expect(
      queries.every((q) => (q.input.ExpressionAttributeValues as Record<string, unknown>)[':v'] === 'ACCT#alice'),
    ).toBe(true);
    expect(queries.reduce((n, q) => n + q.scanned, 0)).toBe(70);
  });
});

const item = (e: LedgerEntry, view?: string) => ({ ...entryItem(e), ...(view ? { view } : {}) });
