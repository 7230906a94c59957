import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../../../adapters/rpc/daemon-client.js';
import { DaemonPool } from '../../../../adapters/rpc/daemon-pool.js';
import { buildAuxPow, buildAuxTree, checkAuxPowProofOfWork, encodeAuxPow } from '../../../../core/auxpow/index.js';
import { sha256d } from '../../../../core/chain/hash.js';
import { merkleBranchAt } from '../../../../core/chain/merkle.js';
import { decodeVarint } from '../../../../core/chain/serialize.js';
import { bitsToTarget } from '../../../../core/chain/target.js';
import { readTransaction } from '../../../../core/chain/transaction.js';
import { getCoin } from '../../../../core/coins/index.js';
import { scrypt } from '../../../../fargate/src/hashing/index.js';
import { AuxChain } from '../../../../fargate/src/jobs/aux/aux-chain.js';
import { JobManager } from '../../../../fargate/src/jobs/job-manager.js';
import { withDevnet } from '../../../helpers/devnet.js';
import { mineSubmission } from '../devnet-jobs.js';
import { recordingLogger } from '../fakes.js';
import { FakeAuxNode } from './fake-aux-node.js';

/**
 * The parent side of merged mining on the REAL litecoind (regtest devnet, MWEB active): the job manager merges two
 * fake aux chains (DOGE's chain id 98 and PEP's 63, in one tree of two), the test miner finds an LTC block carrying
 * the commitment, litecoind accepts it, and the AuxPoW re-derived from litecoind's own raw block (its coinbase, its
 * merkle branch, its header) verifies for each aux chain and is byte for byte what the pool submitted.
 */

const AUX_BITS = 0x207fffff; // as easy as regtest litecoind's target: a block share meets both aux targets too
const CHAINS = [
  { coin: 'DOGE', chainId: 98 },
  { coin: 'PEP', chainId: 63 },
];

describe('merged mining on a regtest litecoind devnet', () => {
  const net = withDevnet();
  const nodes: FakeAuxNode[] = [];
  const chains: AuxChain[] = [];
  let manager: JobManager;
  let daemons: DaemonPool;

  beforeAll(async () => {
    const logger = recordingLogger();
    for (const c of CHAINS) {
      const node = await new FakeAuxNode(c.chainId, AUX_BITS).start();
      nodes.push(node);
      chains.push(
        new AuxChain({
          coin: c.coin,
          chainId: c.chainId,
          address: `pool-${c.coin}`,
          daemons: [new DaemonClient(node.endpoint)],
          diffMultiplier: 65536,
          pollIntervalMs: 60_000,
          logger,
        }),
      );
    }
    for (const c of chains) await c.start();
    daemons = new DaemonPool(net.get().rpc, logger);
    await daemons.start();
    manager = new JobManager({
      coin: getCoin('LTC'),
      network: 'regtest',
      poolAddress: net.get().poolAddress,
      daemons,
      logger,
      now: Date.now,
      longPoll: false,
      auxChains: chains,
    });
    await manager.refresh();
  });
  afterAll(async () => {
    manager?.stop();
    daemons?.stop();
    for (const c of chains) c.stop();
    for (const n of nodes) await n.stop();
  });

  it('litecoind accepts a block committing to two aux chains, and each aux proof re-derived from it verifies', async () => {
    const job = manager.current()!;
    expect(job.coinb1).toContain('fabe6d6d');
    const committed = chains.map((c) => c.current()!);

    // shares until one is an LTC block (about every other share on regtest)
    let found: Awaited<ReturnType<JobManager['checkShare']>> | undefined;
    for (let n = 1; n < 64 && !(found?.ok && found.block); n++) {
      const o = { extranonce1: '0badc0de', extranonce2: n.toString(16).padStart(8, '0'), difficulty: 0.001 };
      found = await manager.checkShare(
        mineSubmission(job, { ...o, miner: net.get().poolAddress, worker: 'aux' }).share,
      );
    }
    if (!found?.ok || !found.block) throw new Error('no LTC block in 64 shares');
    expect(found.block.submitResult).toBe('accepted');
    expect(found.auxBlocks?.map((b) => [b.coin, b.hash, b.submitResult])).toEqual(
      committed.map((w) => [w.coin, w.hash, 'accepted']),
    );

    // litecoind has it: its raw block, its coinbase, its merkle branch
    const client = net.get().clientB;
    const hex = await client.getBlock<string>(found.block.hash, 0);
    const verbose = await client.getBlock<{ tx: string[] }>(found.block.hash, 1);
    const raw = Buffer.from(hex, 'hex');
    const header = raw.subarray(0, 80);
    expect(Buffer.from(sha256d(header)).reverse().toString('hex')).toBe(found.block.hash);
    const coinbase = readTransaction(raw, 80 + decodeVarint(raw, 80).size).stripped;
    expect(coinbase.toString('hex')).toContain('fabe6d6d');
    const txids = verbose.tx.map((t) => Buffer.from(t, 'hex').reverse());
    const coinbaseBranch = merkleBranchAt(txids, 0);

    const tree = buildAuxTree(committed.map((w) => ({ chainId: w.chainId, hash: w.leaf })));
    expect(new Set(tree.slots.map((s) => s.index)).size).toBe(2);
    committed.forEach((work, i) => {
      const auxpow = buildAuxPow({ coinbase, coinbaseBranch, header }, tree.slots[i]!);
      const verdict = checkAuxPowProofOfWork(
        auxpow,
        { hash: work.leaf, chainId: work.chainId, target: bitsToTarget(AUX_BITS) },
        scrypt,
      );
      expect(verdict, work.coin).toEqual({ ok: true });
      // what the pool sent that chain's node is exactly this proof
      expect(nodes[i]!.submitted[0]!.auxpow).toBe(encodeAuxPow(auxpow).toString('hex'));
    });
  });
});
