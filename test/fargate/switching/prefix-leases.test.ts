import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoPrefixLeases } from '../../../adapters/aws/dynamo-stratum-coordination.js';
import { ensureTables } from '../../../adapters/aws/tables.js';
import { PrefixLeaseError } from '../../../core/errors.js';
import { AllCoinsPrefixLeases } from '../../../fargate/src/switching/prefix-leases.js';
import { leaseTaskPrefix } from '../../../fargate/src/task-prefix.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { until } from '../stratum/fakes.js';

const log = { warn: () => {}, error: () => {} };
const NOW = 1_000_000;
const UNTIL = NOW + 600_000;

/** Picks these prefixes in turn (then the last again): the test decides which prefixes conflict. */
const picks = (...prefixes: number[]) => {
  let i = 0;
  return () => prefixes[Math.min(i++, prefixes.length - 1)]!;
};

/**
 * A switching task's extranonce1 prefix is leased in every coin's stats table (dynalite): a prefix held in any of
 * them by another task (a coin's own, or another switching task) is never the switching task's.
 */
describe('a switching task’s prefix lease across its coins (dynalite)', () => {
  let dynamo: Dynamo;
  let seq = 0;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(() => dynamo.close());

  /** Fresh stats tables of BTC and BCH; the coins' own lease stores and a switching task's factory over both. */
  const setup = async () => {
    const doc = createDocumentClient(dynamo.client);
    const prefix = `pl${seq++}`;
    const tables = [
      (await ensureTables(dynamo.client, prefix, 'BTC')).stats,
      (await ensureTables(dynamo.client, prefix, 'BCH')).stats,
    ];
    const coin = (i: number, pick?: () => number) =>
      new DynamoPrefixLeases(doc, tables[i]!, { bytes: 2, tries: 3, ...(pick ? { pick } : {}) });
    const switching = (pick: () => number) => new AllCoinsPrefixLeases([coin(0), coin(1)], { tries: 3, pick });
    const owner = async (i: number, prefix: number) =>
      (await doc.send(new GetCommand({ TableName: tables[i]!, Key: { pk: 'PREFIX', sk: prefix } }))).Item?.owner;
    return { coin, switching, owner };
  };

  it('takes the same prefix in every coin, and a second switching task cannot hold it in any coin', async () => {
    const { switching, owner } = await setup();
    const a = await switching(picks(0xabcd)).acquire('switch-a', UNTIL, NOW);
    expect(a.prefix).toBe('abcd');
    expect([await owner(0, 0xabcd), await owner(1, 0xabcd)]).toEqual(['switch-a', 'switch-a']);
    await expect(switching(picks(0xabcd)).acquire('switch-b', UNTIL, NOW)).rejects.toThrow(PrefixLeaseError);
    const b = await switching(picks(0xabcd, 0x0101)).acquire('switch-b', UNTIL, NOW);
    expect(b.prefix).toBe('0101');
    expect([await owner(0, 0xabcd), await owner(1, 0xabcd)]).toEqual(['switch-a', 'switch-a']);
  });

  it("takes another prefix when a coin's own task holds P in its table, leaving P's lease in the other coin free", async () => {
    const { coin, switching, owner } = await setup();
    // BCH's own stratum task holds 0x1234 in BCH's table.
    expect((await coin(1, picks(0x1234)).acquire('bch-task', UNTIL, NOW)).prefix).toBe('1234');
    const s = await switching(picks(0x1234, 0x5678)).acquire('switch', UNTIL, NOW);
    expect(s.prefix).toBe('5678');
    // BTC's lease of 0x1234, taken before BCH refused it, was given back: BTC's own task can have it.
    expect(await owner(0, 0x1234)).toBeUndefined();
    expect(await owner(1, 0x1234)).toBe('bch-task');
    expect((await coin(0, picks(0x1234)).acquire('btc-task', UNTIL, NOW)).prefix).toBe('1234');
    // And a coin's own task never gets the switching task's prefix in either table.
    await expect(coin(0, picks(0x5678)).acquire('btc-task-2', UNTIL, NOW)).rejects.toThrow(PrefixLeaseError);
    await expect(coin(1, picks(0x5678)).acquire('bch-task-2', UNTIL, NOW)).rejects.toThrow(PrefixLeaseError);
  });

  it('drains when a renewal finds its prefix taken in one coin, and releases it in all on drain', async () => {
    const { coin, switching, owner } = await setup();
    const clock = { now: NOW };
    const lost: string[] = [];
    const task = await leaseTaskPrefix({
      leases: switching(picks(0x0f0f)),
      owner: 'switch',
      now: () => clock.now,
      leaseMs: 60_000,
      renewMs: 20,
      onLost: () => lost.push('switch'),
      log,
    });
    expect(task.prefix).toBe('0f0f');
    // Storage was away: the lease ran out (TTL deleted it), and BCH's own task took the prefix in BCH's table.
    await coin(1).release({ prefix: '0f0f', owner: 'switch', until: 0 });
    await coin(1, picks(0x0f0f)).acquire('bch-task', clock.now + 60_000, clock.now);
    await until(() => lost.length > 0, 'the lost lease');
    expect(lost).toEqual(['switch']);
    // Drained: the release gives back only what is still the owner's (BTC's), never BCH's task's.
    await task.release();
    expect(await owner(0, 0x0f0f)).toBeUndefined();
    expect(await owner(1, 0x0f0f)).toBe('bch-task');
  });

  it('refuses coins whose prefixes differ in length', async () => {
    const { coin } = await setup();
    const doc = createDocumentClient(dynamo.client);
    const eth = new DynamoPrefixLeases(doc, 'x', { bytes: 1 });
    expect(() => new AllCoinsPrefixLeases([coin(0), eth])).toThrow(/one prefix length/);
  });
});
