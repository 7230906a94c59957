import { Block } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { bitsToTarget } from '../../../core/chain/target.js';
import type { ShareSubmission, StratumJob } from '../../../fargate/src/jobs/types.js';
import { broadcastSegwitSpend, withBtcDevnet } from '../../helpers/btc-devnet.js';
import { mineSubmission, withDevnetJobs } from './devnet-jobs.js';

/**
 * The job manager against btcd on simnet (local/devnet/btcd.ts), through DaemonPool: the pool's own job code builds
 * the blocks from btcd's getblocktemplate, a sha256d test miner solves them, and btcd — a full node validating every
 * block — accepts them or says why not.
 */

const EN1 = '0badc0de';
/** A share target at the top of the range: every share meets simnet's 7fffff… network target about half the time. */
const DIFFICULTY = 2 ** -32;

interface VerboseBlock {
  tx: {
    txid: string;
    hash: string;
    vin: { txinwitness?: string[] }[];
    vout: { value: number; scriptPubKey: { hex: string; address?: string } }[];
  }[];
}

describe('JobManager on a btcd simnet devnet', () => {
  const net = withBtcDevnet();
  const devnet = () => net.get();
  let segwitSpend: { txid: string; wtxid: string };
  const jobs = withDevnetJobs(
    () => ({ coin: 'BTC', network: 'simnet', poolAddress: devnet().poolAddress, rpc: devnet().rpc }),
    // Before the first template on this tip: btcd adds mempool transactions to a template only on a new tip or after 60 s.
    async () => {
      segwitSpend = await broadcastSegwitSpend(devnet());
    },
  );
  const manager = () => jobs().manager;

  /** A share of `job` that is also a block (tries extranonce2 values until the header meets the network target). */
  function blockShare(job: StratumJob, from: number): ShareSubmission {
    const networkTarget = bitsToTarget(Number.parseInt(job.nbits, 16));
    for (let i = from; ; i++) {
      const extranonce2 = i.toString(16).padStart(8, '0');
      const o = { extranonce1: EN1, extranonce2, difficulty: DIFFICULTY, miner: devnet().poolAddress, worker: 'asic' };
      const { share, hashValue } = mineSubmission(job, o, 'sha256d');
      if (hashValue <= networkTarget) return share;
    }
  }

  it('is served by btcd without peers: simnet templates need none', () => {
    expect(jobs().daemons.status()).toEqual([expect.objectContaining({ healthy: true })]);
    expect(devnet().rpc).toHaveLength(1);
  });

  it('mines a block with a segwit-spending transaction and its witness commitment, which btcd accepts', async () => {
    const job = manager().current()!;
    const result = await manager().checkShare(blockShare(job, 1));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.block?.submitResult).toBe('accepted');
    expect(await devnet().node.getBestBlockHash()).toBe(result.block!.hash);

    const block = await devnet().node.getBlock<VerboseBlock>(result.block!.hash, 2);
    const spend = block.tx.find((t) => t.txid === segwitSpend.txid);
    // the witness travelled in the block (its wtxid differs from its txid) and btcd validated it against the commitment
    expect(spend?.hash).toBe(segwitSpend.wtxid);
    expect(spend?.hash).not.toBe(spend?.txid);
    expect(spend?.vin[0]?.txinwitness).toHaveLength(2);
    const coinbase = block.tx[0]!;
    // BIP141: the commitment output is OP_RETURN 0x24 aa21a9ed ‖ 32-byte commitment
    expect(coinbase.vout.some((o) => o.scriptPubKey.hex.startsWith('6a24aa21a9ed'))).toBe(true);
    // …and the coinbase carries the witness reserved value (btcd's verbose block does not show it: read the raw one)
    const raw = Block.fromHex(await devnet().node.getBlock<string>(result.block!.hash, 0));
    expect(raw.transactions![0]!.ins[0]!.witness.map((w) => Buffer.from(w).toString('hex'))).toEqual(['00'.repeat(32)]);
    // the pool's output: the whole template value (subsidy + the spend's fee)
    const pool = coinbase.vout.find((o) => o.scriptPubKey.address === devnet().poolAddress)!;
    expect(BigInt(Math.round(pool.value * 1e8))).toBe(BigInt(result.block!.reward));
    expect(BigInt(result.block!.reward)).toBe(5_000_000_000n + 10_000n);
  });

  it('mines a block without witness transactions on the new tip, and calls a resend a duplicate', async () => {
    await manager().refresh();
    const job = manager().current()!;
    const before = await devnet().node.getBlockCount();
    expect(job.height).toBe(before + 1);
    const share = blockShare(job, 1);
    const result = await manager().checkShare(share);
    expect(result.ok && result.block?.submitResult).toBe('accepted');
    expect(await devnet().node.getBlockCount()).toBe(before + 1);
    const block = await devnet().node.getBlock<VerboseBlock>(await devnet().node.getBestBlockHash(), 2);
    expect(block.tx).toHaveLength(1);
    // no witness transaction: no commitment output, and the coinbase carries no witness
    expect(block.tx[0]!.vout.some((o) => o.scriptPubKey.hex.startsWith('6a24aa21a9ed'))).toBe(false);
    expect(await manager().checkShare(share)).toMatchObject({ ok: false, code: 22 });
  });

  it('gives a clean job when a block arrives from elsewhere, and calls shares of the old job stale', async () => {
    const old = manager().current()!;
    await devnet().mine(1);
    await manager().refresh();
    const fresh = manager().current()!;
    expect(fresh.height).toBe(old.height + 1);
    expect(await manager().checkShare(blockShare(old, 100))).toMatchObject({ ok: false, code: 21 });
  });
});
