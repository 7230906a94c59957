import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoBanStore } from '../../adapters/aws/dynamo-stratum-coordination.js';
import type { BanStore } from '../../core/ports/stratum-coordination.js';
import { BanPolicy } from '../../fargate/src/stratum/ban-policy.js';
import { type BanRelayMessage, relayPolicy, TaskBans } from '../../fargate/src/task-bans.js';
import { type Dynamo, startDynamo } from '../helpers/dynamo.js';
import { type SecurityOverrides, security } from './stratum/fakes.js';

const IP = '203.0.113.9';
const quiet = { warn: () => {} };

/** A task: its primary's TaskBans and `processes` ban policies wired to it as main.ts wires them (IPC made direct). */
function task(clock: { now: number }, processes: number, store?: BanStore, over: SecurityOverrides = {}) {
  const config = security({ banning: { malformedLimit: 2, timeoutSeconds: 600 }, ...over });
  const inbound: Array<(msg: BanRelayMessage) => void> = [];
  const primary = new TaskBans({
    store,
    send: (i, msg) => inbound[i]?.(structuredClone(msg)),
    now: () => clock.now,
    banMs: config.banning.timeoutSeconds * 1000,
    log: quiet,
  });
  const policies = Array.from({ length: processes }, (_, i) => {
    const policy = new BanPolicy(config, () => clock.now);
    inbound[i] = relayPolicy(policy, (msg) => primary.received(i, structuredClone(msg)));
    primary.joined(i);
    return policy;
  });
  return { primary, policies };
}

describe('bans shared between the processes of a task and between tasks', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('a ban in one process is a ban in the task at once, and in another task after its next poll', async () => {
    await dynamo.freshStore();
    const store = new DynamoBanStore(createDocumentClient(dynamo.client), dynamo.lastTables!.stats);
    const clock = { now: 1_700_000_000_000 };
    const a = task(clock, 2, store);
    const b = task(clock, 2, store);
    await b.primary.poll();
    const closedInB: string[] = [];
    b.policies[1]!.onBan((ip) => closedInB.push(ip));

    a.policies[0]!.report(IP, { kind: 'malformed' });
    expect(a.policies[0]!.report(IP, { kind: 'malformed' }).banned).toBe(true);
    expect(a.policies[1]!.admit(IP)).toMatchObject({ ok: false, reason: 'banned' });
    expect(b.policies[0]!.admit(IP).ok).toBe(true); // the other task has not polled yet
    b.policies[0]!.closed(IP);
    await a.primary.idle(); // the primary's write to the store
    clock.now += 10_000;
    await b.primary.poll();
    for (const p of b.policies)
      expect(p.admit(IP)).toMatchObject({ ok: false, reason: 'banned', message: 'banned, 590 s left' });
    expect(closedInB).toEqual([IP]); // its connections there are closed
    // A process started again later (a replaced one) learns the running ban from its primary.
    const late = new BanPolicy(security(), () => clock.now);
    const c = new TaskBans({ store, send: (_, msg) => relay(msg), now: () => clock.now, banMs: 600_000, log: quiet });
    const relay = relayPolicy(late, () => {});
    await c.poll();
    c.joined(0);
    expect(late.isBanned(IP)).toBe(true);
    expect(b.primary.runningBans).toBe(1);
    clock.now += 590_000;
    await b.primary.poll();
    expect(b.primary.runningBans).toBe(0);
    expect(b.policies[0]!.admit(IP).ok).toBe(true);
  });

  it('caps open connections per IP over the processes of the task', () => {
    const clock = { now: 1_700_000_000_000 };
    const { primary, policies } = task(clock, 3, undefined, { connectionLimits: { maxPerIp: 4 } });
    const [p0, p1, p2] = policies as [BanPolicy, BanPolicy, BanPolicy];
    // Connections from one IP land on the processes in turn, as the primary hands them out.
    const admitted = [p0, p1, p2, p0, p1, p2, p0].map((p) => p.admit(IP).ok);
    console.log(`open connections over 3 processes with maxPerIp 4: ${admitted.filter(Boolean).length}/7 admitted`);
    expect(admitted).toEqual([true, true, true, true, false, false, false]);
    p2.closed(IP);
    expect(p1.admit(IP).ok).toBe(true);
    // A process that dies takes its connections with it.
    primary.left(0);
    expect([p1.admit(IP).ok, p2.admit(IP).ok, p2.admit(IP).ok]).toEqual([true, true, false]);
  });
});
