import { afterEach, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../../../adapters/rpc/daemon-client.js';
import { checkAuxPowProofOfWork, decodeAuxPow, expectedIndex } from '../../../../core/auxpow/index.js';
import { parseHeader } from '../../../../core/chain/header.js';
import { bitsToTarget } from '../../../../core/chain/target.js';
import { ConfigError } from '../../../../core/errors.js';
import { scrypt } from '../../../../fargate/src/hashing/index.js';
import { AuxChain } from '../../../../fargate/src/jobs/aux/aux-chain.js';
import type { ShareSubmission, StratumJob } from '../../../../fargate/src/jobs/types.js';
import { mineShare } from '../../../helpers/scrypt-miner.js';
import { FakeDaemons, fixture, poolAddress, recordingLogger } from '../fakes.js';
import { fixtureJobManager } from '../fixture-manager.js';
import { FakeAuxNode } from './fake-aux-node.js';

/**
 * The parent's job manager merge-mining fake aux nodes (DaemonClient over HTTP, as in production). Every share is mined
 * by the independent test miner at a difficulty where every hash is a share (2^-16), and sorted by its PoW value
 * against the targets: the parent's template is hard (bits 1f00ffff ≈ 2^240) unless a test wants parent blocks.
 */

const EN1 = 'a0b1c2d3';
const ANY = 2 ** -16;
const HARD = 0x1f00ffff;
const EASY = 0x207fffff; // ≈ 2^255: about half of all hashes
const MEDIUM = 0x2003ffff; // ≈ 2^250: about one hash in 32
const DOGE = 98;
const OTHER = 63; // PEP's chain id: a second aux chain

const nodes: FakeAuxNode[] = [];
const stops: Array<() => void> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  for (const n of nodes.splice(0)) await n.stop();
});

async function setup(o: {
  aux: Array<{ chainId: number; bits: number }>;
  parentBits?: number;
  mask?: number;
  tag?: string;
  template?: Record<string, unknown>;
}) {
  const daemons = new FakeDaemons();
  daemons.templates = [{ ...fixture, bits: (o.parentBits ?? HARD).toString(16), ...o.template }];
  const logger = recordingLogger();
  const auxNodes = await Promise.all(o.aux.map(async (a) => new FakeAuxNode(a.chainId, a.bits).start()));
  nodes.push(...auxNodes);
  const chains = auxNodes.map(
    (n, i) =>
      new AuxChain({
        coin: i === 0 ? 'DOGE' : 'PEP',
        chainId: n.chainId,
        address: `pool-aux-${i}`,
        daemons: [new DaemonClient(n.endpoint)],
        diffMultiplier: 65536,
        pollIntervalMs: 60_000,
        logger,
      }),
  );
  for (const c of chains) await c.start();
  const { manager } = fixtureJobManager({
    daemons,
    logger,
    auxChains: chains,
    ...(o.mask !== undefined && { versionRollingMask: o.mask }),
    ...(o.tag !== undefined && { poolTag: o.tag }),
  });
  stops.push(() => {
    manager.stop();
    for (const c of chains) c.stop();
  });
  if (o.tag === undefined) await manager.refresh();
  return { manager, chains, auxNodes, daemons, logger };
}

let counter = 0;
/** The next share of `job` whose PoW value satisfies `wanted` (each try is a fresh extranonce2). */
function shareWhere(job: StratumJob, wanted: (value: bigint) => boolean, version?: string): ShareSubmission {
  for (let tries = 0; tries < 2000; tries++) {
    const extranonce2 = (++counter).toString(16).padStart(8, '0');
    const mined = mineShare({ job, extranonce1: EN1, extranonce2, difficulty: ANY, version });
    if (!wanted(mined.hashValue)) continue;
    return {
      jobId: job.jobId,
      extranonce1: EN1,
      extranonce2,
      ntime: mined.ntime,
      nonce: mined.nonce,
      difficulty: ANY,
      miner: poolAddress,
      worker: 'rig',
      ...(version !== undefined && { versionBits: version }),
    };
  }
  throw new Error('no such share in 2000 tries');
}

const commitmentOf = (job: StratumJob) => /fabe6d6d([0-9a-f]{64})([0-9a-f]{8})([0-9a-f]{8})/.exec(job.coinb1);

describe('JobManager merged mining: jobs', () => {
  it('commits to the aux hash (display order, size 1, nonce 0) right after the height push', async () => {
    const { manager, chains } = await setup({ aux: [{ chainId: DOGE, bits: EASY }] });
    const job = manager.current()!;
    const hash = chains[0]!.current()!.hash;
    // coinb1 = version(4) ‖ 1 input ‖ null prevout(36) ‖ scriptSig length ‖ height push ‖ commitment
    const heightPush = job.coinb1.slice(84, 84 + 2 + 2 * Number.parseInt(job.coinb1.slice(84, 86), 16));
    expect(job.coinb1.slice(84 + heightPush.length)).toBe(`fabe6d6d${hash}0100000000000000`);
  });

  it('makes a job without any commitment for a coin without aux chains', async () => {
    const { manager } = await setup({ aux: [] });
    expect(manager.current()!.coinb1).not.toContain('fabe6d6d');
  });

  it('makes a new, not clean, job at once when an aux chain has a new block', async () => {
    const { manager, chains, auxNodes } = await setup({ aux: [{ chainId: DOGE, bits: EASY }] });
    const jobs: StratumJob[] = [];
    manager.onJob((j) => jobs.push(j));
    const before = chains[0]!.current()!.hash;
    auxNodes[0]!.advance();
    await chains[0]!.refresh();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.cleanJobs).toBe(false);
    expect(commitmentOf(jobs[0]!)![1]).toBe(chains[0]!.current()!.hash);
    expect(commitmentOf(jobs[0]!)![1]).not.toBe(before);
  });

  it('keeps mining without an aux chain whose node is down, and commits to it again when it answers', async () => {
    const { manager, chains, auxNodes, logger } = await setup({ aux: [{ chainId: DOGE, bits: EASY }] });
    auxNodes[0]!.mode = 'down';
    await chains[0]!.refresh();
    await chains[0]!.refresh();
    const without = manager.current()!;
    expect(without.coinb1).not.toContain('fabe6d6d');
    const check = await manager.checkShare(shareWhere(without, () => true));
    expect(check).toMatchObject({ ok: true });
    expect(check.ok && check.auxBlocks).toBeFalsy();
    expect(logger.lines.filter((l) => l.msg.startsWith('aux chain out'))).toHaveLength(1);
    auxNodes[0]!.mode = 'ok';
    await chains[0]!.refresh();
    expect(commitmentOf(manager.current()!)![1]).toBe(chains[0]!.current()!.hash);
  });

  it('gives two aux chains their expected slots in one tree of two', async () => {
    const { manager, chains } = await setup({
      aux: [
        { chainId: DOGE, bits: EASY },
        { chainId: OTHER, bits: EASY },
      ],
    });
    const [, , size, nonce] = commitmentOf(manager.current()!)!;
    expect(Buffer.from(size!, 'hex').readUInt32LE()).toBe(2);
    const n = Buffer.from(nonce!, 'hex').readUInt32LE();
    expect(expectedIndex(n, DOGE, 1)).not.toBe(expectedIndex(n, OTHER, 1));
    expect(chains.every((c) => c.current())).toBe(true);
  });

  it("keeps GBT's coinbaseaux flags, after the commitment", async () => {
    const { manager, chains } = await setup({
      aux: [{ chainId: DOGE, bits: EASY }],
      template: { coinbaseaux: { flags: 'cafe' } },
    });
    expect(manager.current()!.coinb1.endsWith(`fabe6d6d${chains[0]!.current()!.hash}0100000000000000cafe`)).toBe(true);
  });

  it('refuses a pool tag that leaves no room for the commitment, naming the parts', async () => {
    const { manager } = await setup({ aux: [{ chainId: DOGE, bits: EASY }], tag: 'x'.repeat(50) });
    await expect(manager.refresh()).rejects.toThrow(
      /merged-mined coinbase scriptSig would be \d+ bytes .*commitment 44/,
    );
  });

  it("leaves out only the aux chain that is down: the other one's slot and blocks go on", async () => {
    const { manager, chains, auxNodes } = await setup({
      aux: [
        { chainId: DOGE, bits: EASY },
        { chainId: OTHER, bits: EASY },
      ],
    });
    auxNodes[0]!.mode = 'garbage';
    await chains[0]!.refresh();
    const job = manager.current()!;
    expect(commitmentOf(job)!.slice(1)).toEqual([chains[1]!.current()!.hash, '01000000', '00000000']);
    const check = await manager.checkShare(shareWhere(job, (v) => v <= bitsToTarget(EASY)));
    expect(check.ok && check.auxBlocks?.map((b) => [b.coin, b.submitResult])).toEqual([['PEP', 'accepted']]);
  });

  it('refuses a version rolling mask that would let miners set the auxpow bit 0x100', async () => {
    await expect(setup({ aux: [{ chainId: DOGE, bits: EASY }], mask: 0x1fffe100 })).rejects.toThrow(ConfigError);
  });
});

describe('JobManager merged mining: shares', () => {
  const easy = bitsToTarget(EASY);
  const medium = bitsToTarget(MEDIUM);

  it('submits a share meeting only the aux target to the aux node (not a parent block), with a proof it accepts', async () => {
    const { manager, auxNodes, daemons } = await setup({ aux: [{ chainId: DOGE, bits: EASY }] });
    const job = manager.current()!;
    const work = commitmentOf(job)![1];
    const check = await manager.checkShare(shareWhere(job, (v) => v <= easy));
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.block).toBeUndefined();
    expect(daemons.submitted).toHaveLength(0);
    expect(check.auxBlocks).toEqual([
      {
        coin: 'DOGE',
        height: 1,
        hash: work,
        reward: '1000000000000',
        networkDifficulty: expect.any(Number),
        submitResult: 'accepted',
      },
    ]);
    expect(auxNodes[0]!.blocks).toEqual([work]);
  });

  it('with two aux chains submits to each chain whose target the share meets: one, both, or neither', async () => {
    const { manager, auxNodes } = await setup({
      aux: [
        { chainId: DOGE, bits: EASY },
        { chainId: OTHER, bits: MEDIUM },
      ],
    });
    const [doge, other] = auxNodes as [FakeAuxNode, FakeAuxNode];
    const neither = await manager.checkShare(shareWhere(manager.current()!, (v) => v > easy));
    expect(neither).toMatchObject({ ok: true });
    expect(neither.ok && neither.auxBlocks).toBeUndefined();
    expect(doge.submitted.length + other.submitted.length).toBe(0);

    const root = commitmentOf(manager.current()!)?.[1];
    expect(root).toBeDefined();
    const dogeOnly = await manager.checkShare(shareWhere(manager.current()!, (v) => v <= easy && v > medium));
    expect(dogeOnly.ok && dogeOnly.auxBlocks?.map((b) => [b.coin, b.submitResult])).toEqual([['DOGE', 'accepted']]);
    expect(other.submitted).toHaveLength(0);

    // the accepted DOGE block moved DOGE on: the job manager has a job committing to its new work (another aux root;
    // PEP's work did not change). A job with the old root still commits to the DOGE block already found: a share on
    // it would go to PEP alone.
    await waitFor(() => doge.created.length >= 2 && commitmentOf(manager.current()!)?.[1] !== root);
    const both = await manager.checkShare(shareWhere(manager.current()!, (v) => v <= medium));
    expect(both.ok && both.auxBlocks?.map((b) => [b.coin, b.submitResult])).toEqual([
      ['DOGE', 'accepted'],
      ['PEP', 'accepted'],
    ]);
    expect(doge.blocks).toHaveLength(2);
    expect(other.blocks).toHaveLength(1);
  });

  it("builds the proof from the share's OWN job when the aux work changed since (not the current job's)", async () => {
    const { manager, chains, auxNodes } = await setup({ aux: [{ chainId: DOGE, bits: EASY }] });
    const old = manager.current()!;
    const oldHash = chains[0]!.current()!.hash;
    auxNodes[0]!.advance(); // another miner's DOGE block: new aux work, a new parent job
    await chains[0]!.refresh();
    expect(manager.current()!.jobId).not.toBe(old.jobId);
    expect(chains[0]!.current()!.hash).not.toBe(oldHash);

    const check = await manager.checkShare(shareWhere(old, (v) => v <= easy));
    expect(check.ok && check.auxBlocks?.[0]).toMatchObject({ hash: oldHash, submitResult: 'accepted' });
    const sent = auxNodes[0]!.submitted[0]!;
    expect(sent.hash).toBe(oldHash);
    // the proof verifies for the old hash (the one its coinbase commits to) and not for the current one
    const auxpow = decodeAuxPow(sent.auxpow);
    const target = bitsToTarget(EASY);
    const leaf = (h: string) => Buffer.from(h, 'hex').reverse();
    expect(checkAuxPowProofOfWork(auxpow, { hash: leaf(oldHash), chainId: DOGE, target }, scrypt).ok).toBe(true);
    const current = chains[0]!.current()!.hash;
    expect(checkAuxPowProofOfWork(auxpow, { hash: leaf(current), chainId: DOGE, target }, scrypt)).toMatchObject({
      ok: false,
      reason: 'missing-chain-root',
    });
  });

  it('submits the parent block first and the aux block too when a share meets both targets', async () => {
    const { manager, auxNodes, daemons } = await setup({ aux: [{ chainId: DOGE, bits: EASY }], parentBits: EASY });
    const check = await manager.checkShare(shareWhere(manager.current()!, (v) => v <= easy));
    expect(check.ok && check.block?.submitResult).toBe('accepted');
    expect(check.ok && check.auxBlocks?.[0]?.submitResult).toBe('accepted');
    expect(daemons.submitted).toHaveLength(1);
    expect(auxNodes[0]!.blocks).toHaveLength(1);
  });

  it('never puts the auxpow bit 0x100 in a parent version, whatever bits a miner rolls', async () => {
    const { manager, auxNodes } = await setup({ aux: [{ chainId: DOGE, bits: EASY }] });
    // The miner asks for every bit; the job manager keeps only the mask's (0x1fffe000): the header it hashes is
    // the template's version with those bits set, which is what the miner mined.
    const job = manager.current()!;
    const masked = ((Number.parseInt(job.version, 16) & ~0x1fffe000) | 0x1fffe000) >>> 0;
    const rolled = shareWhere(job, (v) => v <= easy, masked.toString(16).padStart(8, '0'));
    const check = await manager.checkShare({ ...rolled, versionBits: 'ffffffff' });
    expect(check.ok).toBe(true);
    const header = decodeAuxPow(auxNodes[0]!.submitted[0]?.auxpow ?? '').parentHeader;
    expect(parseHeader(header).version & 0x100).toBe(0);
  });

  it('reports a `false` from submitauxblock as rejected, logging the hash and the job', async () => {
    const { manager, auxNodes, logger, chains } = await setup({ aux: [{ chainId: DOGE, bits: EASY }] });
    auxNodes[0]!.refuseAll = true;
    const job = manager.current()!;
    const check = await manager.checkShare(shareWhere(job, (v) => v <= easy));
    expect(check.ok && check.auxBlocks?.[0]?.submitResult).toBe('rejected');
    const line = logger.lines.find((l) => l.msg === 'aux block found but not accepted')!;
    expect(line.level).toBe('error');
    expect(line.obj).toMatchObject({ coin: 'DOGE', hash: chains[0]!.current()!.hash, jobId: job.jobId });
  });

  it('reports an aux node that fails the call as an error result, and the share is still accepted', async () => {
    const { manager, auxNodes } = await setup({ aux: [{ chainId: DOGE, bits: EASY }] });
    const job = manager.current()!;
    auxNodes[0]!.mode = 'down';
    const check = await manager.checkShare(shareWhere(job, (v) => v <= easy));
    expect(check.ok).toBe(true);
    expect(check.ok && check.auxBlocks?.[0]?.submitResult).toMatch(/^error: submitauxblock on .*node is down/);
  });

  it('submits an accepted aux block once: a later share of the same aux work finds nothing new', async () => {
    const { manager, auxNodes } = await setup({ aux: [{ chainId: DOGE, bits: EASY }] });
    const job = manager.current()!;
    const first = await manager.checkShare(shareWhere(job, (v) => v <= easy));
    expect(first.ok && first.auxBlocks).toHaveLength(1);
    const second = await manager.checkShare(shareWhere(job, (v) => v <= easy));
    expect(second.ok && second.auxBlocks).toBeUndefined();
    expect(auxNodes[0]!.submitted).toHaveLength(1);
  });
});

async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
