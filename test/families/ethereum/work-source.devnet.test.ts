import { afterEach, describe, expect, it } from 'vitest';
import type { EthWorkPackage } from '../../../adapters/rpc/eth-node-client.js';
import { NodeWorkSource } from '../../../families/ethereum/work-source.js';
import { startEtcDevnet } from '../../../local/devnet/core-geth.js';
import { EtcBlockMiner } from '../../../local/devnet/etc-blocks.js';
import { freePorts } from '../../../local/devnet/process.js';
import { withStartedInTempDir } from '../../helpers/devnet.js';

const noLog = { info() {}, warn() {} };
const TWO_256 = 2n ** 256n;

/** The devnet, its nodes pushing new work (--miner.notify) to a port the test's work source listens on. */
const net = withStartedInTempDir('etc-work', async (dataDir) => {
  const [notifyPort] = (await freePorts(1)) as [number];
  const devnet = await startEtcDevnet({ dataDir, notifyUrls: [`http://127.0.0.1:${notifyPort}/`] });
  return Object.assign(devnet, { notifyPort });
});

/** The first work the source hands out that satisfies `pred`, and when (performance.now()); `cancel` stops waiting. */
function nextWork(source: NodeWorkSource, pred: (w: EthWorkPackage) => boolean, timeoutMs = 20_000) {
  let cancel = () => {};
  const promise = new Promise<{ work: EthWorkPackage; at: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no such work within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = source.onWork((work) => {
      if (!pred(work)) return;
      cancel();
      resolve({ work, at: performance.now() });
    });
    cancel = () => {
      clearTimeout(timer);
      off();
    };
  });
  return { promise, cancel };
}

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Solves the source's current work and submits the seal through the source (to the node that made the work); once the
 * node took it, waits for the source's work of the next height. Returns the sealed height and the ms from the node's
 * true to that work. Work that went stale while being solved is skipped.
 */
async function sealThrough(miner: EtcBlockMiner, source: NodeWorkSource): Promise<{ height: number; ms: number }> {
  for (;;) {
    const work = source.current()!;
    const { nonce, mix } = await miner.solve(work);
    // waiting starts before the submission, so that work arriving with its answer is not missed
    const next = nextWork(source, (w) => w.blockNumber > work.blockNumber);
    if (!(await source.submitWork(nonce, work.headerHash, mix))) {
      next.cancel();
      continue;
    }
    const sealedAt = performance.now();
    const { at } = await next.promise;
    return { height: work.blockNumber, ms: at - sealedAt };
  }
}

describe('the ETC job source on core-geth (eth_getWork, failover, new heads)', () => {
  const sources: NodeWorkSource[] = [];
  const make = (o: Partial<ConstructorParameters<typeof NodeWorkSource>[0]> = {}) => {
    const d = net.get();
    const s = new NodeWorkSource({ nodes: d.rpc, log: noLog, retryMinMs: 100, checkIntervalMs: 200, ...o });
    sources.push(s);
    return s;
  };
  afterEach(() => {
    for (const s of sources.splice(0)) s.stop();
  });

  it('hands out the first node’s work: seal hash, seed, target and block number, the target that of the pending block', async () => {
    const source = make();
    await source.start();
    const work = source.current()!;
    const head = await net.get().nodeA.client.blockNumber();
    expect(work.blockNumber).toBe(head + 1);
    expect(work.headerHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(work.seedHash).toBe(`0x${'0'.repeat(64)}`);
    const pending = await net.get().nodeA.client.getBlockByNumber('pending');
    // the network difficulty is the pending block's; getWork's target carries it exactly (2^256 / target)
    expect(TWO_256 / BigInt(work.target)).toBe(pending!.difficulty);
    expect(source.serving()).toBe(net.get().nodeA.client.name);
    expect(source.upstreams().map((u) => u.healthy)).toEqual([true, true]);
  });

  it('refuses a bad seal through eth_submitWork (false), and work it never served (false, no node asked)', async () => {
    const source = make();
    await source.start();
    const work = source.current()!;
    expect(await source.submitWork('0x0000000000000007', work.headerHash, `0x${'22'.repeat(32)}`)).toBe(false);
    expect(await source.submitWork('0x0000000000000007', `0x${'cd'.repeat(32)}`, `0x${'22'.repeat(32)}`)).toBe(false);
    // a false answer is the node's verdict on the seal, not a failure of the node
    expect(source.upstreams()[0]!.healthy).toBe(true);
  });

  it('a good seal submitted through the source is a block on both nodes, and the next height’s work follows', async () => {
    const source = make();
    await source.start();
    const miner = new EtcBlockMiner(net.get().nodeA.client);
    const { height } = await sealThrough(miner, source);
    expect(source.current()!.blockNumber).toBe(height + 1);
    expect(await net.get().waitForSync()).toBe(height);
    const block = await net.get().nodeB.client.getBlockByNumber(height);
    expect(block!.miner.toLowerCase()).toBe(net.get().poolAddress.toLowerCase());
  });

  it('new work after a new head comes by the --miner.notify push, with the poll slowed to 2 s', async () => {
    const source = make({ pollIntervalMs: 2_000, notify: { host: '127.0.0.1', port: net.get().notifyPort } });
    await source.start();
    expect(source.notifyUrl()).toBe(`http://127.0.0.1:${net.get().notifyPort}/`);
    const miner = new EtcBlockMiner(net.get().nodeA.client);
    const latencies: number[] = [];
    for (let i = 0; i < 3; i++) latencies.push((await sealThrough(miner, source)).ms);
    console.info(`new head → new work by push: ${latencies.map((l) => l.toFixed(1)).join(', ')} ms`);
    // core-geth pushed (its 1 s timeout may drop one on a loaded machine; the poll covers it). The 200 ms goal
    // itself (10–80 ms measured on a quiet machine) is bench/etc-work.ts's to track, not a timing to fail CI on.
    expect(source.pushesReceived).toBeGreaterThanOrEqual(1);
  });

  it('new work after a new head by the 100 ms poll alone (no push)', async () => {
    const source = make();
    await source.start();
    const miner = new EtcBlockMiner(net.get().nodeA.client);
    const { ms, height } = await sealThrough(miner, source);
    console.info(`new head → new work by poll: ${ms.toFixed(1)} ms`);
    // the next height's work came, and not by a push: this source listens for none
    expect(source.current()!.blockNumber).toBeGreaterThan(height);
    expect(source.pushesReceived).toBe(0);
  });

  it('fails over to the second node when the first stops, and back once it answers again', async () => {
    const { nodeA, nodeB } = net.get();
    const source = make();
    await source.start();
    expect(source.serving()).toBe(nodeA.client.name);
    await nodeA.stop();
    // within a poll or two (the refused connection fails at once); B's work may be the very same package
    await until(() => source.serving() === nodeB.client.name, 2_000);
    expect(source.upstreams()).toEqual([
      expect.objectContaining({
        daemon: nodeA.client.name,
        healthy: false,
        lastError: expect.stringMatching(/refused/),
      }),
      { daemon: nodeB.client.name, healthy: true },
    ]);
    // B's work takes seals: a block found while A is down goes to B
    const height = source.current()!.blockNumber;
    const sealed = await sealThrough(new EtcBlockMiner(nodeB.client), source);
    expect(sealed.height).toBe(height);

    await nodeA.start();
    // A catches up with B's block from its static peer, then serves again
    await net.get().waitForSync(30_000);
    await until(() => source.serving() === nodeA.client.name, 15_000);
    expect(source.upstreams().every((u) => u.healthy)).toBe(true);
    expect(source.current()!.blockNumber).toBe(height + 1);
  });

  it('refuses to start when no node hands out work, naming each node and what it answered', async () => {
    const [p1, p2] = (await freePorts(2)) as [number, number];
    const source = new NodeWorkSource({
      nodes: [{ url: `http://127.0.0.1:${p1}` }, { url: `http://127.0.0.1:${p2}` }],
      log: noLog,
    });
    await expect(source.start()).rejects.toThrow(
      new RegExp(`no node hands out work .*127\\.0\\.0\\.1:${p1}: eth_getWork .*refused.*127\\.0\\.0\\.1:${p2}`),
    );
  });
});
