import { connect } from 'node:net';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { createLogger } from '../../local/logger.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { withDevnet } from '../helpers/devnet.js';
import { minerTotal } from '../helpers/dynamo.js';
import { testPoolConfig } from '../helpers/pool-config.js';
import { TestMiner } from '../helpers/test-miner.js';

/**
 * Miner → stratum (TCP) → job manager → litecoind (regtest, two nodes) → batching queue → local SQS-shaped queue →
 * ingest Lambda handler → dynalite → API. On regtest almost every share is also a block.
 */
describe('the whole pool on the devnet', () => {
  const net = withDevnet();
  let pool: LocalPool;
  let miner: string;
  const acknowledged: { difficulty: number }[] = [];
  const blockHashes: string[] = [];

  beforeAll(async () => {
    const devnet = net.get();
    const config = testPoolConfig(devnet, 0.002);
    pool = await startLocalPool({ config, dataDir: net.dataDir(), log: createLogger('e2e', 'silent') });
    miner = (await devnet.minerWallet.getNewAddress('e2e', 'bech32')) as string;
  });

  afterAll(async () => {
    await pool?.stop();
  });

  it('accepts mined shares, submits the blocks to litecoind and records exactly the acknowledged shares', async () => {
    const port = pool.coins.get('LTC')!.service.ports[0]!;
    const miner1 = await TestMiner.connect(port, `${miner}.rig1`);
    const heightBefore = await net.get().clientA.getBlockCount();
    for (let i = 0; i < 4; i++) {
      const seen = miner1.client.count('mining.notify');
      expect(await miner1.submitOne()).toBe(true); // cpuminer style: the same id (4) for every submit
      acknowledged.push({ difficulty: 0.002 });
      // the share was a block: the pool moves everyone to the new tip with a clean job
      const next = await miner1.client.nextNotification('mining.notify', seen);
      expect(next.params[8]).toBe(true);
    }
    expect(miner1.client.notifications.find((n) => n.method === 'mining.set_difficulty')!.params[0]).toBe(0.002);
    // A share on the first job, four blocks ago (stale), and one with a malformed nonce (invalid): refused, and
    // counted against rig1 (the API test below reads them).
    const share = miner1.mine('any');
    const firstJob = miner1.client.notifications.find((n) => n.method === 'mining.notify')!.params[0];
    const submit = [`${miner}.rig1`, firstJob, share.extranonce2, share.ntime, share.nonce];
    expect((await miner1.client.request(5, 'mining.submit', submit)).error?.[0]).toBe(21);
    submit[1] = share.jobId;
    submit[4] = 'not-hex!';
    expect((await miner1.client.request(6, 'mining.submit', submit)).error?.[0]).toBe(20);
    miner1.close();

    // litecoind accepted them: the chain grew by the blocks the pool found
    const heightAfter = await net.get().clientA.getBlockCount();
    expect(heightAfter - heightBefore).toBe(4);

    await pool.settle();
    const store = pool.storage.shares;
    const recorded = await minerTotal(store.miners, 'LTC', miner);
    expect(recorded.shares).toBe(acknowledged.length);
    expect(recorded.difficulty).toBeCloseTo(
      acknowledged.reduce((s, a) => s + a.difficulty, 0),
      9,
    );

    const blocks = await store.poolStats.listBlocks('LTC');
    const ours = blocks.filter((b) => b.miner === miner);
    expect(ours).toHaveLength(4);
    for (const b of ours) {
      expect(b.submitResult).toBe('accepted');
      expect(b.worker).toBe('rig1');
      blockHashes.push(b.hash);
      // each recorded block is in the chain at its height, and its coinbase pays the pool wallet
      expect(await net.get().clientB.getBlockHash(b.height)).toBe(b.hash);
      const block = await net.get().clientB.getBlock<{
        tx: { vout: { value: number; scriptPubKey: { addresses?: string[]; address?: string } }[] }[];
      }>(b.hash, 2);
      const pays = block.tx[0]!.vout.find(
        (o) =>
          o.scriptPubKey.address === net.get().poolAddress || o.scriptPubKey.addresses?.includes(net.get().poolAddress),
      );
      expect(BigInt(Math.round(pays!.value * 1e8))).toBe(BigInt(b.reward));
    }
  });

  it('serves what was recorded through the HTTP API', async () => {
    const base = `http://127.0.0.1:${pool.httpPort}`;
    const res = await fetch(`${base}/api/pools/LTC`);
    expect(res.headers.get('cache-control')).toBe('public, max-age=10');
    const ltc = (await res.json()) as {
      sharesTotal: { shares: number };
      hashrate: Record<string, number>;
      blocksFound: number;
    };
    expect(ltc.sharesTotal.shares).toBe(acknowledged.length);
    expect(ltc.hashrate['10m']).toBeGreaterThan(0);
    const listed = (await (await fetch(`${base}/api/pools/ltc/blocks`)).json()) as {
      blocks: { hash: string; finder: string; effort: number }[];
    };
    expect(listed.blocks.map((b) => b.hash).sort()).toEqual([...blockHashes].sort());
    expect(listed.blocks.every((b) => b.finder === miner && b.effort > 0)).toBe(true);
    const mine = (await (await fetch(`${base}/api/pools/LTC/miners/${miner}`)).json()) as {
      shares: { shares: number };
      workers: { name: string; hashrate: number; offline: boolean }[];
    };
    expect(mine.shares.shares).toBe(acknowledged.length);
    expect(mine.workers).toEqual([
      expect.objectContaining({ name: 'rig1', offline: false, accepted: 4, stale: 1, invalid: 1, duplicate: 0 }),
    ]);
    expect(mine.workers[0]!.hashrate).toBeGreaterThan(0);
    const bad = await fetch(`${base}/api/pools/LTC/miners/not-an-address`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/is not a LTC address/);
    expect((await fetch(`${base}/api/pools/DOGE`)).status).toBe(400);
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(
      /stratum_shares_total\{coin="LTC",result="accepted"\} 4/,
    );
  });

  it('keeps what it recorded across a restart on the same data directory', async () => {
    const config = pool.config;
    await pool.stop();
    pool = await startLocalPool({ config, dataDir: net.dataDir(), log: createLogger('e2e', 'silent') });
    expect((await minerTotal(pool.storage.shares.miners, 'LTC', miner)).shares).toBe(acknowledged.length);
    expect((await pool.storage.shares.poolStats.listBlocks('LTC')).filter((b) => b.miner === miner)).toHaveLength(4);
    // and mines on: the new process serves jobs for the current tip
    const tip = await net.get().clientA.getBlockCount();
    expect(pool.coins.get('LTC')!.service.jobs.current()!.height).toBe(tip + 1);
  });

  it('applies the coin security config: an IP banned on one port is refused on the other, also after a restart', async () => {
    await pool.stop();
    const base = testPoolConfig(net.get(), 0.002);
    const coin = base.coins[0]!;
    const config = testPoolConfig(net.get(), 0.002, {
      ports: [coin.ports[0], { ...coin.ports[0], port: 0 }],
      security: { banning: { malformedLimit: 2, timeoutSeconds: 60 } },
    });
    pool = await startLocalPool({ config, dataDir: net.dataDir(), log: createLogger('e2e', 'silent') });
    const [portA, portB] = pool.coins.get('LTC')!.service.ports as [number, number];
    const talk = (port: number, lines: string[]) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let answer = '';
        socket.setEncoding('utf8');
        socket.on('data', (d) => {
          answer += d;
        });
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
        socket.on('connect', () => socket.write(lines.map((l) => `${l}\n`).join('')));
        setTimeout(() => socket.destroy(), 3000).unref();
      });
    const first = await talk(portA, ['not json', '{"id":1}']);
    const second = await talk(portB, ['{"id":1,"method":"mining.subscribe","params":[]}']);
    console.log(`port ${portA} after 2 malformed lines: ${first.trim()}\nport ${portB} then: ${second.trim()}`);
    expect(second).toMatch(/banned/);
    expect(second).not.toMatch(/"result":\[/); // never subscribed

    // The ban and the extranonce1 prefix lease live in the coin's stats table, as in AWS: the ban outlives a restart.
    const items = async (pk: string) =>
      (
        await createDocumentClient(pool.storage.client).send(
          new QueryCommand({
            TableName: pool.storage.tables.get('LTC')!.stats,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pk },
          }),
        )
      ).Items ?? [];
    // The ban is written to the table after it took effect (the refusal above does not wait for the write).
    await vi.waitFor(async () => expect((await items('BAN')).map((b) => b.ip)).toEqual(['127.0.0.1']), {
      timeout: 5_000,
    });
    expect(await items('PREFIX')).toHaveLength(1);
    await pool.stop();
    pool = await startLocalPool({ config, dataDir: net.dataDir(), log: createLogger('e2e', 'silent') });
    const [portC] = pool.coins.get('LTC')!.service.ports as [number];
    // Until the new run's first poll of the stats table a connection may be let in (and is closed by the ban).
    await vi.waitFor(
      async () =>
        expect(await talk(portC, ['{"id":1,"method":"mining.subscribe","params":[]}'])).toMatch(/banned, \d+ s left/),
      { timeout: 10_000 },
    );
    const prefixes = (await items('PREFIX')).map((i) => Number(i.sk).toString(16).padStart(4, '0'));
    expect(prefixes).toHaveLength(1); // the first run gave its prefix back on stop
    console.log(`after a restart: still banned; extranonce1 prefix ${prefixes[0]} leased`);
  });
});
