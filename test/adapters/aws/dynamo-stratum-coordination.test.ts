import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoBanStore, DynamoPrefixLeases } from '../../../adapters/aws/dynamo-stratum-coordination.js';
import { PrefixLeaseError } from '../../../core/errors.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

describe('stratum coordination in the stats table (dynalite)', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  async function table() {
    await dynamo.freshStore();
    return { doc: createDocumentClient(dynamo.client), name: dynamo.lastTables!.stats };
  }

  it('bans: a ban one task writes is read by another from the time it was issued, until it ends', async () => {
    const { doc, name } = await table();
    const taskA = new DynamoBanStore(doc, name);
    const taskB = new DynamoBanStore(doc, name);
    const t = 1_700_000_000_000;
    await taskA.put({ ip: '203.0.113.9', reason: 'malformed', at: t, until: t + 1_800_000 });
    await taskA.put({ ip: '2001:db8:1:2::/64', reason: 'flood', at: t, until: t + 60_000 }); // same millisecond
    await taskA.put({ ip: '198.51.100.1', reason: 'flood', at: t - 10_000, until: t + 60_000 }); // before `since`
    const seen = await taskB.issuedSince(t - 5_000, t + 1_000);
    expect(seen.map((b) => b.ip).sort()).toEqual(['2001:db8:1:2::/64', '203.0.113.9']);
    expect(seen.find((b) => b.ip === '203.0.113.9')).toEqual({
      ip: '203.0.113.9',
      reason: 'malformed',
      at: t,
      until: t + 1_800_000,
    });
    // Once a ban ended it is not handed out again (DynamoDB's TTL deletes it later).
    expect((await taskB.issuedSince(t - 5_000, t + 60_000)).map((b) => b.ip)).toEqual(['203.0.113.9']);
  });

  it('prefix leases: ten tasks get ten different 2-byte prefixes', async () => {
    const { doc, name } = await table();
    const leases = new DynamoPrefixLeases(doc, name, { bytes: 2 });
    const got = await Promise.all(
      Array.from({ length: 10 }, (_, i) => leases.acquire(`task-${i}`, 1_000_000 + 600_000, 1_000_000)),
    );
    console.log(`leased prefixes: ${got.map((l) => l.prefix).join(' ')}`);
    expect(new Set(got.map((l) => l.prefix)).size).toBe(10);
    for (const l of got) expect(l.prefix).toMatch(/^[0-9a-f]{4}$/);
  });

  it('prefix leases: a held prefix is refused to another task until it is released or its lease runs out', async () => {
    const { doc, name } = await table();
    // Every try picks prefix 0x0007: a conflict whenever it is held.
    const leases = new DynamoPrefixLeases(doc, name, { bytes: 2, tries: 3, pick: () => 7 });
    const now = 1_000_000;
    const a = await leases.acquire('task-a', now + 600_000, now);
    expect(a).toEqual({ prefix: '0007', owner: 'task-a', until: now + 600_000 });
    await expect(leases.acquire('task-b', now + 600_000, now + 1_000)).rejects.toThrow(PrefixLeaseError);
    // Renewed by its owner only.
    expect(await leases.renew(a, now + 1_200_000)).toBe(true);
    expect(await leases.renew({ ...a, owner: 'task-b' }, now + 1_200_000)).toBe(false);
    // The old expiry passed, but the renewal holds it.
    await expect(leases.acquire('task-b', now + 1_800_000, now + 700_000)).rejects.toThrow(PrefixLeaseError);
    // Expired (the injected clock past `until`; TTL has not deleted the item yet): another task takes it.
    const b = await leases.acquire('task-b', now + 1_800_000, now + 1_200_000);
    expect(b.prefix).toBe('0007');
    // The first owner finds out at its next renewal, and its release does not free b's lease.
    expect(await leases.renew(a, now + 1_900_000)).toBe(false);
    await leases.release(a);
    await expect(leases.acquire('task-c', now + 1_800_000, now + 1_300_000)).rejects.toThrow(PrefixLeaseError);
    // Released on drain by its owner: free at once.
    await leases.release(b);
    expect((await leases.acquire('task-c', now + 1_800_000, now + 1_300_000)).prefix).toBe('0007');
  });
});
