import { describe, expect, it } from 'vitest';
import type { ShareSubmission, StratumJob } from '../../../fargate/src/jobs/types.js';
import { withDevnet } from '../../helpers/devnet.js';
import { mineSubmission, withDevnetJobs } from './devnet-jobs.js';

/** The job manager against two real regtest litecoind nodes with MWEB active (local/devnet), through DaemonPool. */

const EN1 = '0badc0de';
const DIFFICULTY = 0.001; // share target ≈ 2^250: a few dozen scrypt hashes, and below regtest's 7fffff… network target

describe('JobManager on a regtest litecoind devnet', () => {
  const net = withDevnet();
  const devnet = () => net.get();
  const jobs = withDevnetJobs(() => ({
    coin: 'LTC',
    network: 'regtest',
    poolAddress: devnet().poolAddress,
    rpc: devnet().rpc,
  }));
  const manager = () => jobs().manager;

  function submit(job: StratumJob, extranonce2: string): ShareSubmission {
    const o = { extranonce1: EN1, extranonce2, difficulty: DIFFICULTY, miner: devnet().poolAddress, worker: 'it' };
    return mineSubmission(job, o).share;
  }

  it('mines a share that is a block litecoind accepts, paying the pool address', async () => {
    const job = manager().current()!;
    expect(job).toBeDefined();
    const before = await devnet().clientA.getBlockchainInfo();
    const share = submit(job, '00000001');
    const result = await manager().checkShare(share);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.block?.submitResult).toBe('accepted');
    const after = await devnet().clientA.getBlockchainInfo();
    expect(after.blocks).toBe(before.blocks + 1);
    expect(after.bestblockhash).toBe(result.block!.hash);
    // both nodes have it, and its coinbase pays the pool wallet everything the template offered
    const block = await devnet().clientB.getBlock<{
      tx: { vout: { value: number; scriptPubKey: { address?: string; addresses?: string[] } }[] }[];
    }>(result.block!.hash, 2);
    // Litecoin Core 0.21 lists `addresses`; later Bitcoin Core versions say `address`.
    const paysPool = (o: { scriptPubKey: { address?: string; addresses?: string[] } }) =>
      o.scriptPubKey.address === devnet().poolAddress || o.scriptPubKey.addresses?.includes(devnet().poolAddress);
    const payout = block.tx[0]!.vout.find(paysPool);
    expect(payout).toBeDefined();
    expect(BigInt(Math.round(payout!.value * 1e8))).toBe(BigInt(result.block!.reward));

    // a resend of the same share is a duplicate, even after the block moved the chain on
    expect(await manager().checkShare(share)).toMatchObject({ ok: false, code: 22 });
  });

  it('gives a clean job on the new tip and calls shares for the old job stale', async () => {
    const old = manager().current()!;
    await devnet().mine(1);
    await manager().refresh();
    const fresh = manager().current()!;
    expect(fresh.height).toBeGreaterThan(old.height);
    expect(await manager().checkShare(submit(old, '00000002'))).toMatchObject({ ok: false, code: 21 });
    expect((await manager().checkShare(submit(fresh, '00000003'))).ok).toBe(true);
  });

  it('rejects a share above the share target with 23', async () => {
    const job = manager().current()!;
    const share = submit(job, '00000004');
    expect(await manager().checkShare({ ...share, difficulty: 1e12 })).toMatchObject({ ok: false, code: 23 });
  });

  it('hashes 20 shares of one turn in SIMD lanes to the miner’s node:crypto hashes, and litecoind takes the block', async () => {
    // The tests before found blocks, each followed by a template refresh that may still be on its way: take the job
    // only once it builds on the tip, or a late clean job would retire it mid-test and the shares be stale (21).
    const before = await devnet().clientA.getBlockchainInfo();
    await manager().refresh();
    await expect.poll(() => manager().current()!.height).toBe(before.blocks + 1);
    const job = manager().current()!;
    // Mined (node:crypto scrypt) before any is sent, then sent in one turn: one scryptBatch of 20 (16 + 4 lanes here).
    const mined = Array.from({ length: 20 }, (_, i) => {
      const o = { extranonce1: EN1, extranonce2: (0x100 + i).toString(16).padStart(8, '0'), difficulty: DIFFICULTY };
      return mineSubmission(job, { ...o, miner: devnet().poolAddress, worker: 'lanes' });
    });
    const results = await Promise.all(mined.map((m) => manager().checkShare(m.share)));
    for (const [i, r] of results.entries()) {
      expect(r.ok, `share ${i}: ${JSON.stringify(r)}`).toBe(true);
      if (r.ok) expect(BigInt(`0x${r.hash}`), `share ${i}`).toBe(mined[i]!.hashValue);
    }
    // Every share also meets regtest's target: the first is the new tip, the rest its siblings. A lane that passed a
    // wrong hash would show here as litecoind's high-hash.
    const blocks = results.flatMap((r) => (r.ok && r.block ? [r.block.submitResult] : []));
    expect(blocks).toContain('accepted');
    expect(blocks.filter((b) => b.includes('high-hash'))).toEqual([]);
    expect((await devnet().clientA.getBlockchainInfo()).blocks).toBe(before.blocks + 1);
  });
});
