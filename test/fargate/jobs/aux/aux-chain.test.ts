import { afterEach, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../../../adapters/rpc/daemon-client.js';
import { bitsToDifficulty, bitsToTarget } from '../../../../core/chain/target.js';
import { AuxWorkError, parseAuxBlock } from '../../../../fargate/src/jobs/aux/aux-block.js';
import { AuxChain } from '../../../../fargate/src/jobs/aux/aux-chain.js';
import { recordingLogger } from '../fakes.js';
import { FakeAuxNode } from './fake-aux-node.js';

const DOGE = 98;
const answer = {
  hash: `${'ab'.repeat(31)}cd`,
  chainid: DOGE,
  previousblockhash: '11'.repeat(32),
  coinbasevalue: 1_000_000_000_000,
  bits: '1e0ffff0',
  height: 42,
  // bits 1e0ffff0 → 00000ffff0 followed by zeros, written little-endian
  target: `${'00'.repeat(27)}f0ff0f0000`,
};

describe('parseAuxBlock (createauxblock answers)', () => {
  it('reads the hash in both orders, the bigint reward, and the target from bits agreeing with the little-endian target', () => {
    const block = parseAuxBlock(answer, DOGE, 65536);
    expect(block.hash).toBe(answer.hash);
    expect(block.leaf.toString('hex')).toBe(`cd${'ab'.repeat(31)}`);
    expect(block.coinbaseValue).toBe(1_000_000_000_000n);
    expect(block.target).toBe(bitsToTarget(0x1e0ffff0));
    expect(block.target).toBe(0x0ffff0n << 216n);
    expect(block.networkDifficulty).toBe(bitsToDifficulty(0x1e0ffff0, 65536));
    expect(block.height).toBe(42);
  });

  it("accepts Namecoin's `_target` spelling", () => {
    const { target, ...rest } = answer;
    expect(parseAuxBlock({ ...rest, _target: target }, DOGE, 65536).target).toBe(0x0ffff0n << 216n);
  });

  it('refuses another chain id, naming both', () => {
    expect(() => parseAuxBlock({ ...answer, chainid: 1 }, DOGE, 65536)).toThrow(/chain id 1, the coin's is 98/);
  });

  it('refuses a target that is not its bits read little-endian (a big-endian target included)', () => {
    const bigEndian = Buffer.from(answer.target, 'hex').reverse().toString('hex');
    expect(() => parseAuxBlock({ ...answer, target: bigEndian }, DOGE, 65536)).toThrow(AuxWorkError);
  });

  it('refuses garbage with the fields that are wrong', () => {
    expect(() => parseAuxBlock({ hash: 'zz' }, DOGE, 65536)).toThrow(/hash: hash must be 64 hex/);
    expect(() => parseAuxBlock(null, DOGE, 65536)).toThrow(AuxWorkError);
    expect(() => parseAuxBlock({ ...answer, coinbasevalue: 1.5 }, DOGE, 65536)).toThrow(/coinbasevalue/);
    expect(() => parseAuxBlock({ ...answer, target: undefined }, DOGE, 65536)).toThrow(/no target/);
  });
});

describe('AuxChain (createauxblock work of one aux coin)', () => {
  const nodes: FakeAuxNode[] = [];
  const chains: AuxChain[] = [];
  afterEach(async () => {
    for (const c of chains.splice(0)) c.stop();
    for (const n of nodes.splice(0)) await n.stop();
  });
  async function node(bits = 0x207fffff): Promise<FakeAuxNode> {
    const n = await new FakeAuxNode(DOGE, bits).start();
    nodes.push(n);
    return n;
  }
  function chain(of: FakeAuxNode[], logger = recordingLogger()) {
    const c = new AuxChain({
      coin: 'DOGE',
      chainId: DOGE,
      address: 'nPoolDogeAddress',
      daemons: of.map((n) => new DaemonClient(n.endpoint)),
      diffMultiplier: 65536,
      pollIntervalMs: 60_000,
      logger,
    });
    chains.push(c);
    return { c, logger };
  }

  it('asks createauxblock with the pool address and tells listeners about a new hash only', async () => {
    const n = await node();
    const { c } = chain([n]);
    const seen: Array<string | undefined> = [];
    c.onChange((w) => seen.push(w?.hash));
    await c.start();
    const first = c.current()!.hash;
    await c.refresh();
    expect(seen).toEqual([first]);
    n.advance();
    await c.refresh();
    expect(seen).toEqual([first, c.current()!.hash]);
    expect(c.current()!.hash).not.toBe(first);
    expect(n.created.every((a) => a === 'nPoolDogeAddress')).toBe(true);
  });

  it('fails over to the next node, and submits to the node that made the work', async () => {
    const a = await node();
    const b = await node();
    a.mode = 'down';
    const { c } = chain([a, b]);
    await c.start();
    const work = c.current()!;
    expect(work.daemon.name).toContain(b.endpoint.url.replace('http://', ''));
    a.mode = 'ok'; // back, but the work is b's: only b knows its hash
    const verdict = await c.submit(work, '00');
    expect(verdict.outcome).toBe('error'); // b could not decode "00"; a was never asked
    expect(a.submitted).toHaveLength(0);
  });

  it('goes out while no node gives valid work, logging the outage once, and comes back', async () => {
    const n = await node();
    const { c, logger } = chain([n]);
    await c.start();
    expect(c.current()).toBeDefined();
    for (const mode of ['garbage', 'wrong-chain', 'bad-target', 'down'] as const) {
      n.mode = mode;
      await c.refresh();
      expect(c.current(), mode).toBeUndefined();
    }
    const outages = logger.lines.filter((l) => l.msg.startsWith('aux chain out'));
    expect(outages).toHaveLength(1);
    expect(outages[0]!.level).toBe('error');
    expect(JSON.stringify(outages[0]!.obj)).toMatch(/createauxblock answer is not aux work/);
    n.mode = 'ok';
    await c.refresh();
    expect(c.current()).toBeDefined();
    expect(logger.lines.filter((l) => l.msg.startsWith('aux chain back'))).toHaveLength(1);
  });

  it("reports each node's state named with its coin: the one that failed with why, the one that gives work healthy", async () => {
    const a = await node();
    const b = await node();
    const { c } = chain([a, b]);
    const name = (n: FakeAuxNode) => `DOGE ${n.endpoint.url}`;
    await c.start();
    expect(c.status()).toEqual([
      { daemon: name(a), healthy: true },
      { daemon: name(b), healthy: true }, // never asked while a answers: healthy until first asked
    ]);
    a.mode = 'down';
    await c.refresh();
    expect(c.status()).toEqual([
      { daemon: name(a), healthy: false, lastError: expect.stringMatching(/node is down/) },
      { daemon: name(b), healthy: true },
    ]);
    b.mode = 'wrong-chain';
    await c.refresh();
    expect(c.current()).toBeUndefined();
    expect(c.status().map((u) => u.healthy)).toEqual([false, false]);
    expect(c.status()[1]!.lastError).toMatch(/chain id/);
    a.mode = 'ok';
    await c.refresh();
    expect(c.status()).toEqual([
      { daemon: name(a), healthy: true },
      { daemon: name(b), healthy: false, lastError: expect.stringMatching(/chain id/) },
    ]);
  });

  it('reports an RPC error of submitauxblock as its text, not as accepted', async () => {
    const n = await node();
    const { c } = chain([n]);
    await c.start();
    const work = c.current()!;
    await expect(c.submit({ ...work, hash: 'ff'.repeat(32) }, '00')).resolves.toMatchObject({
      outcome: 'error',
      text: expect.stringMatching(/^error: submitauxblock on .*block hash unknown/),
    });
    expect(c.wasAccepted(work.hash)).toBe(false);
  });
});
