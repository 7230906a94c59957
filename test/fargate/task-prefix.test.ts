import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoPrefixLeases } from '../../adapters/aws/dynamo-stratum-coordination.js';
import { PrefixLeaseError } from '../../core/errors.js';
import { coordinationStores } from '../../fargate/src/task-coordination.js';
import { leaseTaskPrefix } from '../../fargate/src/task-prefix.js';
import { type Dynamo, startDynamo } from '../helpers/dynamo.js';

const log = { warn: () => {}, error: () => {} };

describe('the task prefix lease (dynalite)', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('leases prefixes of the family’s length: one byte for the Ethereum family, distinct for each live task', async () => {
    await dynamo.freshStore();
    const stores = coordinationStores(createDocumentClient(dynamo.client), dynamo.lastTables!.stats, 1);
    const held = await Promise.all(
      Array.from({ length: 20 }, (_, n) => stores.leases.acquire(`task-${n}`, 2_000_000, 1_000_000)),
    );
    const prefixes = held.map((l) => l.prefix);
    for (const p of prefixes) expect(p).toMatch(/^[0-9a-f]{2}$/);
    expect(new Set(prefixes).size).toBe(20);
    // Without a stats table the prefix is random, of the same length.
    const random = await leaseTaskPrefix({ owner: 'x', bytes: 1, now: () => 0, onLost: () => {}, log });
    expect(random.prefix).toMatch(/^[0-9a-f]{2}$/);
  });

  it('holds its prefix while it renews, past the end of its first lease, and frees it on release', async () => {
    await dynamo.freshStore();
    const doc = createDocumentClient(dynamo.client);
    // Every try picks the same prefix: a second task conflicts whenever the first holds it.
    const leases = new DynamoPrefixLeases(doc, dynamo.lastTables!.stats, { bytes: 2, tries: 2, pick: () => 0xbeef });
    const clock = { now: 1_000_000 };
    const lost: string[] = [];
    const start = (owner: string) =>
      leaseTaskPrefix({
        leases,
        owner,
        now: () => clock.now,
        leaseMs: 60_000,
        renewMs: 20,
        onLost: () => lost.push(owner),
        log,
      });
    const a = await start('task-a');
    expect(a.prefix).toBe('beef');
    await expect(start('task-b')).rejects.toThrow(PrefixLeaseError);
    // Released (a drained task): the next task gets it at once.
    await a.release();
    const b = await start('task-b');
    expect(b.prefix).toBe('beef');
    // b renews on its timer as the clock runs: past its first lease's end, no one may take it.
    clock.now += 50_000;
    await new Promise((r) => setTimeout(r, 100));
    clock.now += 50_000;
    await expect(start('task-c')).rejects.toThrow(PrefixLeaseError);
    expect(lost).toEqual([]);
    await b.release();
  });

  it('notices a lease another task took after it ran out, and tells the task to stop', async () => {
    await dynamo.freshStore();
    const doc = createDocumentClient(dynamo.client);
    const leases = new DynamoPrefixLeases(doc, dynamo.lastTables!.stats, { bytes: 2, tries: 1, pick: () => 7 });
    const clock = { now: 1_000_000 };
    const lost: string[] = [];
    // Task a renews rarely (its storage calls were failing, say); its lease runs out on the injected clock.
    const a = await leaseTaskPrefix({
      leases,
      owner: 'task-a',
      now: () => clock.now,
      leaseMs: 60_000,
      renewMs: 200,
      onLost: () => lost.push('task-a'),
      log,
    });
    clock.now += 60_000;
    const b = await leases.acquire('task-b', clock.now + 60_000, clock.now);
    expect(b.prefix).toBe(a.prefix);
    await vi.waitFor(() => expect(lost).toEqual(['task-a']));
    await a.release(); // the lost lease's release leaves b's alone
    await expect(leases.acquire('task-c', clock.now + 60_000, clock.now)).rejects.toThrow(PrefixLeaseError);
  });
});
