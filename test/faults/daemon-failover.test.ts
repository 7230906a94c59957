import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts, type LitecoindNode, startLitecoind } from '../../local/devnet/litecoind.js';
import { createLogger } from '../../local/logger.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { withDevnet } from '../helpers/devnet.js';
import { testPoolConfig } from '../helpers/pool-config.js';
import { TestMiner } from '../helpers/test-miner.js';

/** Below ~3e-5 every hash is a share on regtest; the miner picks blocks or plain shares as the test needs. */
const DIFFICULTY = 1e-5;

/**
 * The pool configured with both devnet nodes (A first, B as backup); node A's litecoind is killed with SIGKILL
 * while a miner works. The pool must notice, take templates from B — a block mined on B reaches the miner as a
 * clean job — and submit a block the miner finds meanwhile to B.
 */
describe('the primary daemon killed', () => {
  const net = withDevnet();
  let pool: LocalPool;
  let nodeC: LitecoindNode | undefined;

  beforeAll(async () => {
    // A real backup daemon has peers besides the primary; the devnet's B has only A, and without a peer
    // getblocktemplate refuses ("not connected", -9). A third node, C, gives B a peer that outlives A.
    const [rpcPort, p2pPort] = await freePorts(2);
    nodeC = await startLitecoind({
      name: 'node-c',
      dir: join(net.dataDir(), 'devnet', 'node-c'),
      rpcPort: rpcPort!,
      p2pPort: p2pPort!,
      creds: { user: 'c', password: 'c' },
      extra: [],
    });
    await net.get().clientB.call('addnode', [`127.0.0.1:${p2pPort}`, 'onetry']);
    while ((await net.get().clientB.call<number>('getconnectioncount')) < 2) await sleep(50);
    pool = await startLocalPool({
      config: testPoolConfig(net.get(), DIFFICULTY),
      dataDir: net.dataDir(),
      log: createLogger('failover', process.env.FAULT_LOG ?? 'silent'),
      moneyTimers: false,
    });
  });
  afterAll(async () => {
    await pool?.stop();
    await nodeC?.stop();
  });

  it('continues with jobs from the backup within seconds and submits a block found meanwhile to it', async () => {
    const devnet = net.get();
    const coin = pool.coins.get('LTC')!;
    const address = await devnet.minerWallet.getNewAddress('failover', 'bech32');
    const miner = await TestMiner.connect(coin.service.ports[0]!, `${address}.rig`);
    for (let i = 0; i < 3; i++) expect(await miner.submitOne('share')).toBe(true);
    const heightBefore = await devnet.clientB.getBlockCount();

    process.kill(devnet.pids[0]!, 'SIGKILL');
    const killed = performance.now();
    const since = () => Math.round(performance.now() - killed);
    const timings: Record<string, number> = {};

    // 1. The pool marks A down (a failed call or the periodic check).
    while (coin.service.jobs.upstreams()[0]!.healthy) await sleep(20);
    timings['A marked down'] = since();
    // 2. Shares keep being accepted meanwhile (the current job does not need a daemon).
    expect(await miner.submitOne('share')).toBe(true);
    timings['share accepted'] = since();
    // 3. The network moves on at B: the pool's next job must come from B's template.
    const jobsBefore = miner.client.count('mining.notify');
    const [mined] = await devnet.clientB.generateToAddress(1, devnet.minerAddress);
    const fromB = await nextCleanJob(miner, jobsBefore);
    timings['clean job on B’s new block'] = since();
    expect(fromB.prevHash).toBe(stratumPrevHash(mined!));
    expect(coin.service.jobs.current()!.height).toBe(heightBefore + 2);
    // 4. A block found on that job goes to B.
    const jobsBeforeBlock = miner.client.count('mining.notify');
    const block = miner.mine('block');
    const submitted = performance.now();
    const res = await miner.client.request(4, 'mining.submit', [
      miner.username,
      block.jobId,
      block.extranonce2,
      block.ntime,
      block.nonce,
    ]);
    expect(res.result).toBe(true);
    timings['block share acknowledged'] = since();
    const hash = blockHash(block.header);
    expect(await devnet.clientB.getBlockHash(heightBefore + 2)).toBe(hash);
    await nextCleanJob(miner, jobsBeforeBlock);
    timings['clean job on the found block'] = since();
    const submitMs = Math.round(performance.now() - submitted);

    await pool.settle();
    const recorded = (await pool.storage.shares.poolStats.listBlocks('LTC')).find((b) => b.hash === hash);
    const status = coin.service.jobs.upstreams();
    console.log(
      `daemon A (pid ${devnet.pids[0]}) killed; ms after the kill: ${JSON.stringify(timings)}; block ${hash.slice(0, 16)}… ` +
        `at height ${heightBefore + 2} in B's chain, new job ${submitMs} ms after the submit; recorded as ` +
        `${recorded?.submitResult}; daemons ${JSON.stringify(status)}; ` +
        `miner: ${miner.accepted} acknowledged, ${miner.rejected} refused`,
    );
    expect(recorded?.submitResult).toBe('accepted');
    expect(timings['clean job on B’s new block']).toBeLessThan(10_000);
    expect(miner.rejected).toBe(0);
    miner.close();
  }, 60_000);
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The next mining.notify with clean_jobs set, after the first `after` ones. */
async function nextCleanJob(miner: TestMiner, after: number): Promise<{ prevHash: string }> {
  for (let seen = after; ; seen++) {
    const n = await miner.client.nextNotification('mining.notify', seen, 15_000);
    if (n.params[8] === true) return { prevHash: n.params[1] as string };
  }
}

/** The block hash (sha256d of the header, shown byte-reversed) — for scrypt coins too. */
function blockHash(headerHex: string): string {
  const once = createHash('sha256').update(Buffer.from(headerHex, 'hex')).digest();
  return Buffer.from(createHash('sha256').update(once).digest()).reverse().toString('hex');
}

/** mining.notify's prevhash: the hash in internal byte order with each 4-byte word reversed. */
function stratumPrevHash(hash: string): string {
  const internal = Buffer.from(hash, 'hex').reverse();
  for (let i = 0; i < 32; i += 4) internal.writeUInt32BE(internal.readUInt32LE(i), i);
  return internal.toString('hex');
}
