import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { EthNodeClient, EthWorkPackage } from '../../../adapters/rpc/eth-node-client.js';
import { DaemonError } from '../../../core/errors.js';
import { NodeWorkSource } from '../../../families/ethereum/work-source.js';

const noLog = { info() {}, warn() {} };

function work(blockNumber: number, tag: string): EthWorkPackage {
  return {
    headerHash: `0x${tag.repeat(64 / tag.length)}`,
    seedHash: `0x${'0'.repeat(64)}`,
    target: `0x01${'0'.repeat(62)}`,
    blockNumber,
  };
}

/** A node whose answers the test sets: work, or an error to throw; it records the calls it got. */
class FakeNode {
  answer: EthWorkPackage | Error;
  submits: string[][] = [];
  getWorkCalls = 0;
  submitAnswer: boolean | Error = true;
  constructor(
    readonly name: string,
    first: EthWorkPackage,
  ) {
    this.answer = first;
  }
  async getWork(): Promise<EthWorkPackage> {
    this.getWorkCalls++;
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
  async submitWork(nonce: string, headerHash: string, mix: string): Promise<boolean> {
    this.submits.push([nonce, headerHash, mix]);
    if (this.submitAnswer instanceof Error) throw this.submitAnswer;
    return this.submitAnswer;
  }
}

const refused = (name: string) => new DaemonError(`eth_getWork on ${name}: connection refused`);

describe('NodeWorkSource (failover, backoff, submissions) with scripted nodes', () => {
  const sources: NodeWorkSource[] = [];
  let clock = 1_000_000;
  afterEach(() => {
    for (const s of sources.splice(0)) s.stop();
  });

  function setup(nodes: FakeNode[], o: Partial<ConstructorParameters<typeof NodeWorkSource>[0]> = {}) {
    const byUrl = new Map(nodes.map((n) => [`http://${n.name}`, n]));
    const source = new NodeWorkSource({
      nodes: nodes.map((n) => ({ url: `http://${n.name}` })),
      log: noLog,
      now: () => clock,
      // the test drives the polls itself (refresh)
      pollIntervalMs: 3_600_000,
      checkIntervalMs: 3_600_000,
      client: (e) => byUrl.get(e.url) as unknown as EthNodeClient,
      ...o,
    });
    sources.push(source);
    return source;
  }

  /** Nodes a and b, each with its own work at height 5; a served first, then refused, so b serves. */
  async function failedOver() {
    const a = new FakeNode('a', work(5, 'a'));
    const b = new FakeNode('b', work(5, 'b'));
    const source = setup([a, b]);
    await source.start();
    a.answer = refused('a');
    await source.refresh();
    return { a, b, source };
  }

  it('serves the first node; when it fails, the next one in the same poll; back to the first after its backoff', async () => {
    const a = new FakeNode('a', work(5, 'a'));
    const b = new FakeNode('b', work(5, 'b'));
    const source = setup([a, b]);
    const seen: string[] = [];
    source.onWork((w) => seen.push(w.headerHash));
    await source.start();
    expect(source.serving()).toBe('a');

    a.answer = refused('a');
    await source.refresh();
    expect(source.serving()).toBe('b');
    expect(seen).toEqual([work(5, 'a').headerHash, work(5, 'b').headerHash]);
    expect(source.upstreams()).toEqual([
      { daemon: 'a', healthy: false, lastError: 'eth_getWork on a: connection refused' },
      { daemon: 'b', healthy: true },
    ]);

    // a is back, but not asked before its backoff (500 ms after the first failure)
    a.answer = work(5, 'a');
    const callsBefore = a.getWorkCalls;
    clock += 499;
    await source.refresh();
    expect(a.getWorkCalls).toBe(callsBefore);
    expect(source.serving()).toBe('b');
    clock += 1;
    await source.refresh();
    expect(source.serving()).toBe('a');
    expect(source.upstreams().every((u) => u.healthy)).toBe(true);
  });

  it('backs off a failing node 0.5 s, 1 s, 2 s … up to 30 s between attempts', async () => {
    const a = new FakeNode('a', work(5, 'a'));
    const b = new FakeNode('b', work(5, 'b'));
    const source = setup([a, b], { retryMinMs: 500, retryMaxMs: 30_000 });
    await source.start();
    a.answer = refused('a');
    const gaps: number[] = [];
    let last = clock;
    let calls = a.getWorkCalls;
    for (let step = 0; step < 200_000 && gaps.length < 8; step += 100) {
      clock += 100;
      await source.refresh();
      if (a.getWorkCalls > calls) {
        calls = a.getWorkCalls;
        gaps.push(clock - last);
        last = clock;
      }
    }
    // the first gap is the poll that found it down; then each retry waits twice as long, capped
    expect(gaps.slice(1)).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
  });

  it('an RPC error ("no mining work available yet") fails over like a dead node', async () => {
    const a = new FakeNode('a', work(5, 'a'));
    const b = new FakeNode('b', work(5, 'b'));
    const source = setup([a, b]);
    await source.start();
    a.answer = new DaemonError('eth_getWork on a: no mining work available yet (code -32000)', -32000);
    await source.refresh();
    expect(source.serving()).toBe('b');
  });

  it('a node back with an older head does not serve while the node with the newer head answers', async () => {
    const { a, b, source } = await failedOver();
    b.answer = work(6, 'c'); // B moved on while A was down
    await source.refresh();
    a.answer = work(5, 'a'); // A is back, still at the old head
    clock += 10_000;
    await source.refresh();
    expect(source.serving()).toBe('b');
    expect(source.current()?.blockNumber).toBe(6);
    a.answer = work(7, 'd'); // A caught up (and is ahead)
    await source.refresh();
    expect(source.serving()).toBe('a');
    // the serving node's own lower head (a reorg) is taken
    a.answer = work(6, 'e');
    await source.refresh();
    expect(source.current()?.headerHash).toBe(work(6, 'e').headerHash);
  });

  it('a lagging node serves when the node with the newer head is gone: its work is the only kind it takes', async () => {
    const { a, b, source } = await failedOver();
    b.answer = work(6, 'c');
    await source.refresh();
    a.answer = work(5, 'a');
    b.answer = refused('b');
    clock += 10_000;
    await source.refresh();
    expect(source.serving()).toBe('a');
    expect(source.current()?.blockNumber).toBe(5);
  });

  it('submits a seal to the node that made the work; work it never served is false without asking a node', async () => {
    const { a, b, source } = await failedOver();
    const nonce = '0x00000000000000ff';
    const mix = `0x${'11'.repeat(32)}`;
    // a's work (handed out before the failover) goes to a, b's to b
    expect(await source.submitWork(nonce, work(5, 'a').headerHash, mix)).toBe(true);
    expect(await source.submitWork(nonce, work(5, 'b').headerHash.toUpperCase().replace('0X', '0x'), mix)).toBe(true);
    expect(a.submits.map((s) => s[1])).toEqual([work(5, 'a').headerHash]);
    expect(b.submits).toHaveLength(1);
    expect(await source.submitWork(nonce, `0x${'9'.repeat(64)}`, mix)).toBe(false);
    expect(a.submits.length + b.submits.length).toBe(2);
  });

  it('a submission the node does not answer throws and marks the node down; a false answer does not', async () => {
    const a = new FakeNode('a', work(5, 'a'));
    const source = setup([a]);
    await source.start();
    a.submitAnswer = false;
    expect(await source.submitWork('0x01', work(5, 'a').headerHash, `0x${'0'.repeat(64)}`)).toBe(false);
    expect(source.upstreams()[0]!.healthy).toBe(true);
    a.submitAnswer = new DaemonError('eth_submitWork on a: timed out after 15000 ms');
    await expect(source.submitWork('0x01', work(5, 'a').headerHash, `0x${'0'.repeat(64)}`)).rejects.toThrow(
      /timed out/,
    );
    expect(source.upstreams()[0]).toMatchObject({ healthy: false, lastError: expect.stringMatching(/timed out/) });
  });

  it('a push to the notify port only makes it ask its node: a forged work package in the body is never handed out', async () => {
    const a = new FakeNode('a', work(5, 'a'));
    const source = setup([a], { notify: { host: '127.0.0.1', port: 0 } });
    const seen: EthWorkPackage[] = [];
    source.onWork((w) => seen.push(w));
    await source.start();
    const url = source.notifyUrl()!;
    const forged = JSON.stringify([`0x${'66'.repeat(32)}`, `0x${'0'.repeat(64)}`, `0x${'ff'.repeat(32)}`, '0x5']);
    const calls = a.getWorkCalls;
    expect(await post(url, forged)).toBe(200);
    await until(() => a.getWorkCalls > calls);
    await source.refresh();
    expect(seen.map((w) => w.headerHash)).toEqual([work(5, 'a').headerHash]);
    expect(source.pushesReceived).toBe(1);

    // a real new head, pushed: taken from the node's answer
    a.answer = work(6, 'b');
    expect(await post(url, '[]')).toBe(200);
    await until(() => source.current()?.blockNumber === 6);
    // a body larger than a work package could be is cut off, not read
    await expect(post(url, 'x'.repeat(100_000))).rejects.toThrow();
    expect(await post(url, '', 'GET')).toBe(405);
  });

  it('refuses to start with no node, and when none hands out work names each one', async () => {
    expect(() => setup([])).toThrow(/at least one node/);
    const a = new FakeNode('a', work(5, 'a'));
    a.answer = refused('a');
    const source = setup([a]);
    await expect(source.start()).rejects.toThrow('no node hands out work (a: eth_getWork on a: connection refused)');
  });
});

function post(url: string, body: string, method = 'POST'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function until(cond: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
