import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createSqsServer } from 'local-aws-sqs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { ensureTables } from '../../adapters/aws/tables.js';
import { type DynaliteServer, startDynalite } from '../../adapters/local/dynalite-server.js';
import { decodeMessage } from '../../core/shares/queue-message.js';
import type { Devnet } from '../../local/devnet/index.js';
import { freePorts } from '../../local/devnet/litecoind.js';
import { withDevnet } from '../helpers/devnet.js';
import { testPoolConfig } from '../helpers/pool-config.js';
import { TestMiner } from '../helpers/test-miner.js';

/**
 * The Fargate stratum container (fargate/src/main.ts) as ECS runs it, with POOL_STRATUM_PROCESSES=2: a primary that
 * owns the ops port and two stratum processes sharing the stratum port, against the devnet's litecoind and an SQS
 * emulator. Miners land on both processes, get extranonce1 values from disjoint lanes, and their shares reach SQS
 * from both; /health and /metrics sum the processes; a killed process is replaced; SIGTERM drains and exits.
 */
const ROOT = join(import.meta.dirname, '../..');
const DIFFICULTY = 1e-5; // every hash is a share on regtest; the miners pick ones that are not blocks
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** How long the container may take to get where a test waits for it (start, a replaced process, SQS). */
const WAIT = { timeout: 30_000, interval: 100 };

/** The stratum processes of the container (not tsx's esbuild service, also a child). */
const childrenOf = (pid: number) =>
  execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('fargate/src/main.ts'))
    .map((l) => Number.parseInt(l.trim(), 10));

/** The image ECS runs is built and run only where a Docker engine answers (`docker info`); said, never skipped silently. */
const DOCKER_ENGINE = (() => {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
})();
const IMAGE = 'edgepool-stratum:e2e';

describe("the stratum container's entry point (fargate/src/main.ts as a process, not the image)", () => {
  const net = withDevnet();
  const closers: Array<() => Promise<unknown>> = [];
  const containers: ChildProcess[] = [];

  afterAll(async () => {
    for (const c of containers) c.kill('SIGKILL');
    for (const close of closers.reverse()) await close();
  });

  /** An SQS emulator with the share queue, and the container against it and the devnet. */
  async function startContainer(
    processes: number,
    queue: Record<string, unknown> = {},
    connectionLimits: Record<string, unknown> = {},
    env: Record<string, string> = {},
  ) {
    const devnet = net.get();
    const dir = await mkdtemp(join(tmpdir(), 'container-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const {
      sqs,
      QueueUrl,
      stratumPort,
      opsPort,
      env: base,
    } = await containerSetup(devnet, closers, {
      queue,
      connectionLimits,
    });
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'fargate/src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...base,
        LOG_LEVEL: 'warn',
        POOL_SPOOL_DIR: join(dir, 'spool'),
        POOL_STRATUM_PROCESSES: String(processes),
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    containers.push(child);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const ops = `http://127.0.0.1:${opsPort}`;
    const health = async () => {
      const res = await fetch(`${ops}/health`);
      expect(res.status).toBe(200);
      return (await res.json()) as { coins: Array<{ connections: number }> };
    };
    const healthy = () => vi.waitFor(health, WAIT);
    await healthy();
    console.log(`container healthy after ${Math.round(performance.now() - started)} ms`);
    /** Shares received from SQS so far (not the minute summaries) per stratum process, each batch id once (ingest
     * counts a batch id once, so a batch resent after a crash is no second share). */
    const received = new Map<string, number>();
    const seen = new Set<string>();
    const receive = async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300 }),
      );
      for (const msg of Messages)
        for (const b of decodeMessage(msg.Body!)) {
          if (b.views === 'minutes' || seen.has(b.batchId)) continue;
          seen.add(b.batchId);
          const proc = /-p(\d+)[-/]/.exec(b.batchId)?.[1] ?? '?';
          received.set(proc, (received.get(proc) ?? 0) + b.shares.reduce((n, x) => n + (x.count ?? 1), 0));
        }
      return [...received.values()].reduce((a, b) => a + b, 0);
    };
    return { devnet, child, exited, ops, stratumPort, health, healthy, received, receive };
  }

  it('serves miners from two processes, sums their health and metrics, replaces a dead one and drains on SIGTERM', async () => {
    const { devnet, child, exited, ops, stratumPort, health, healthy, received, receive } = await startContainer(2);
    const processes = childrenOf(child.pid!);
    console.log(`stratum processes ${processes.join(', ')}`);
    expect(processes).toHaveLength(2);

    const addresses = await Promise.all(
      Array.from({ length: 6 }, (_, i) => devnet.minerWallet.getNewAddress(`c${i}`, 'bech32') as Promise<string>),
    );
    const miners: TestMiner[] = [];
    for (const [i, a] of addresses.entries()) miners.push(await TestMiner.connect(stratumPort, `${a}.rig${i}`));
    const extranonces = miners.map((m) => m.extranonce1);
    // One 2-byte task prefix, two lanes: the counter part is even in one process and odd in the other.
    const lanes = new Set(extranonces.map((e) => Number.parseInt(e.slice(4), 16) % 2));
    console.log(`extranonce1 values: ${extranonces.join(' ')}`);
    expect(new Set(extranonces).size).toBe(6);
    for (const e of extranonces) expect(e).toMatch(/^[0-9a-f]{12}$/);
    expect(new Set(extranonces.map((e) => e.slice(0, 4))).size).toBe(1);
    expect(lanes).toEqual(new Set([0, 1]));
    // Each process reports every second: the sum reaches 6.
    await vi.waitFor(async () => expect((await health()).coins[0]!.connections).toBe(6), WAIT);

    for (const m of miners) expect(await m.submitOne('share')).toBe(true);
    await vi.waitFor(async () => expect(await receive()).toBeGreaterThanOrEqual(6), WAIT);
    console.log(`shares in SQS per stratum process: ${JSON.stringify(Object.fromEntries(received))}`);
    expect([...received.keys()].sort()).toEqual(['0', '1']);
    expect([...received.values()].reduce((a, b) => a + b, 0)).toBe(6);

    const metrics = await (await fetch(`${ops}/metrics`)).text();
    const accepted = [...metrics.matchAll(/^stratum_shares_total\{[^}]*result="accepted"[^}]*\} (\d+)/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
    expect(accepted).toBe(6);
    expect((await fetch(`${ops}/blocknotify/LTC`, { method: 'POST' })).status).toBe(202);

    // A stratum process dies: the task is degraded until the primary's new one serves on the same port.
    for (const m of miners) m.close();
    process.kill(processes[0]!, 'SIGKILL');
    await vi.waitFor(async () => expect((await fetch(`${ops}/health`)).status).toBe(503), WAIT);
    await healthy();
    const replaced = childrenOf(child.pid!);
    expect(replaced).toHaveLength(2);
    expect(replaced).not.toContain(processes[0]);
    const again = await TestMiner.connect(stratumPort, `${addresses[0]}.rig0`);
    expect(await again.submitOne('share')).toBe(true);
    again.close();

    const stopping = performance.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    console.log(`SIGTERM: drained and exited in ${Math.round(performance.now() - stopping)} ms`);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(replaced.filter(alive)).toEqual([]); // the stratum processes drained and exited with it
  }, 120_000);

  it('ackAfter journal: a stratum process killed with shares journaled but not shipped loses none of them', async () => {
    // Ship once a minute: the acknowledged shares wait in the process's journal when it dies.
    const { devnet, child, exited, stratumPort, healthy, receive } = await startContainer(1, {
      ackAfter: 'journal',
      shipIntervalMs: 60_000,
    });
    const [first] = childrenOf(child.pid!);
    const address = (await devnet.minerWallet.getNewAddress('j', 'bech32')) as string;
    const miner = await TestMiner.connect(stratumPort, `${address}.rig`);
    for (let i = 0; i < 5; i++) expect(await miner.submitOne('share')).toBe(true);
    miner.close();
    // Acknowledged and journaled; shipped only on the minute (unless the minute just turned).
    const before = await receive();
    process.kill(first!, 'SIGKILL');
    // The primary forks another process on the same spool; it ships what the dead one journaled.
    await vi.waitFor(() => {
      const now = childrenOf(child.pid!);
      expect(now).toHaveLength(1);
      expect(now[0]).not.toBe(first);
    }, WAIT);
    await healthy();
    await vi.waitFor(async () => expect(await receive()).toBeGreaterThanOrEqual(5), WAIT);
    const shipped = await receive();
    console.log(
      `journal mode: 5 acknowledged before SIGKILL (${before} shipped by then); ${shipped} in SQS after the replacement`,
    );
    expect(shipped).toBe(5);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);

  it('an IP banned by one stratum process is refused by all of them, and its open connections are counted over all', async () => {
    const { child, exited, stratumPort } = await startContainer(2, {}, { maxPerIp: 3 });
    // Up to the cap, in turn on both processes (the primary hands connections out round-robin).
    const held = await Promise.all([1, 2, 3].map(() => rawConnect(stratumPort)));
    // The processes learn each other's counts through the primary within milliseconds; until then a burst may pass.
    await new Promise((r) => setTimeout(r, 500));
    const over = await rawConnect(stratumPort);
    const refusal = await over.closedWith();
    console.log(`4th open connection from one IP: ${refusal.trim()}`);
    expect(refusal).toMatch(/too many open connections/);
    // One of them sends garbage until its process bans the IP (malformedLimit 5).
    held[0]!.socket.write('garbage\n'.repeat(5));
    // Every connection of the IP is closed, also those the other process holds.
    await Promise.all(held.map((h) => h.closedWith()));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await (await rawConnect(stratumPort)).closedWith());
    console.log(`after the ban, 4 new connections: ${answers.map((a) => a.trim()).join(' | ')}`);
    for (const a of answers) expect(a).toMatch(/"banned, \d+ s left"/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);
});

describe('the stratum container image (fargate/Dockerfile), built and run', () => {
  const net = withDevnet();
  if (!DOCKER_ENGINE)
    console.log('stratum container image: NOT built or run here: `docker info` fails (needs a Docker engine)');

  it.skipIf(!DOCKER_ENGINE)(
    'builds the image and runs it: healthy, a share reaches SQS, blocknotify answers, SIGTERM exits 0 (needs a Docker engine)',
    async () => {
      const built = performance.now();
      execFileSync('docker', ['build', '-f', 'fargate/Dockerfile', '-t', IMAGE, '.'], {
        cwd: ROOT,
        stdio: 'inherit',
        timeout: 1_200_000,
      });
      console.log(`image built in ${Math.round((performance.now() - built) / 1000)} s`);
      const closers: Array<() => Promise<unknown>> = [];
      const { sqs, QueueUrl, stratumPort, opsPort, env } = await containerSetup(net.get(), closers);
      const devnet = net.get();
      const name = `edgepool-e2e-${process.pid}`;
      const child = spawn(
        'docker',
        [
          'run',
          '--rm',
          '--name',
          name,
          '--network',
          'host',
          ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
          IMAGE,
        ],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      try {
        const ops = `http://127.0.0.1:${opsPort}`;
        await vi.waitFor(async () => expect((await fetch(`${ops}/health`)).status).toBe(200), {
          ...WAIT,
          timeout: 60_000,
        });
        const address = (await devnet.minerWallet.getNewAddress('img', 'bech32')) as string;
        const miner = await TestMiner.connect(stratumPort, `${address}.img`);
        expect(await miner.submitOne('share')).toBe(true);
        miner.close();
        await vi.waitFor(async () => {
          const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
          expect(Messages.flatMap((m) => decodeMessage(m.Body!)).some((b) => b.shares.length > 0)).toBe(true);
        }, WAIT);
        expect((await fetch(`${ops}/blocknotify/LTC`, { method: 'POST' })).status).toBe(202); // loopback, no token set
        execFileSync('docker', ['stop', '--time', '30', name]);
        expect(await exited).toBe(0);
      } finally {
        child.kill('SIGKILL');
        for (const close of closers.reverse()) await close();
      }
    },
    1_500_000,
  );
});

describe('stratum tasks of one coin sharing the stats table', () => {
  const net = withDevnet();
  let dynamo: DynaliteServer | undefined;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await dynamo?.close();
  });

  it('two tasks lease different prefixes, one refuses an IP the other banned, and a drained task frees its prefix', async () => {
    dynamo = await startDynalite();
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    const { stats } = await ensureTables(client, 'e2e', 'LTC');
    const env = { STATS_TABLE: stats, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint };
    const start = async () => {
      const devnet = net.get();
      const [stratumPort, opsPort] = (await freePorts(2)) as [number, number];
      const base = testPoolConfig(devnet, DIFFICULTY);
      const config = {
        ...base,
        stratum: { ...base.stratum, drainSeconds: 1 },
        coins: base.coins.map((c) => ({ ...c, ports: c.ports.map((p) => ({ ...p, port: stratumPort })) })),
      };
      const child = spawn(process.execPath, ['--import', 'tsx', 'fargate/src/main.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          ...env,
          LOG_LEVEL: 'warn',
          POOL_COIN: 'LTC',
          POOL_CONFIG_JSON: JSON.stringify(config),
          SHARE_QUEUE_URL: 'http://127.0.0.1:9/unused',
          POOL_SPOOL_DIR: await mkdtemp(join(tmpdir(), 'task-')),
          OPS_PORT: String(opsPort),
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      children.push(child);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      await vi.waitFor(async () => expect((await fetch(`http://127.0.0.1:${opsPort}/health`)).status).toBe(200), WAIT);
      return { child, exited, stratumPort };
    };
    const [a, b] = [await start(), await start()];
    const prefixOf = async (port: number) => {
      const c = await rawConnect(port);
      c.socket.write('{"id":1,"method":"mining.subscribe","params":[]}\n');
      await vi.waitFor(() => expect(c.text()).toContain('\n'), WAIT);
      c.socket.destroy();
      return (JSON.parse(c.text()).result as [unknown, string])[1].slice(0, 4);
    };
    const prefixes = [await prefixOf(a.stratumPort), await prefixOf(b.stratumPort)];
    console.log(`task prefixes: ${prefixes.join(' ')}`);
    expect(prefixes[0]).not.toBe(prefixes[1]);
    const doc = createDocumentClient(client);
    const leased = async () =>
      (
        await doc.send(
          new QueryCommand({
            TableName: stats,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': 'PREFIX' },
          }),
        )
      ).Items?.map((i) => Number(i.sk).toString(16).padStart(4, '0')).sort();
    expect(await leased()).toEqual([...prefixes].sort());

    // Task a bans the IP (malformedLimit 5); task b refuses it after its next poll of the stats table.
    const bad = await rawConnect(a.stratumPort);
    bad.socket.write('garbage\n'.repeat(5));
    await bad.closedWith();
    const banned = performance.now();
    // A try before the ban arrives is admitted, and closed when it arrives; a try after it is refused.
    await vi.waitFor(async () => expect(await (await rawConnect(b.stratumPort)).closedWith()).toMatch(/banned/), WAIT);
    console.log(`ban reached the other task after ${Math.round(performance.now() - banned)} ms`);

    // SIGTERM: a drains, exits and gives its prefix back.
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await leased()).toEqual([prefixes[1]]);
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    client.destroy();
  }, 120_000);
});

/**
 * What a container needs around it: an SQS emulator with the share queue, a stratum and an ops port, and its
 * environment (the devnet pool config on those ports, the queue, SQS on the emulator). `closers` stop it all.
 */
async function containerSetup(
  devnet: Devnet,
  closers: Array<() => Promise<unknown>>,
  over: { queue?: Record<string, unknown>; connectionLimits?: Record<string, unknown> } = {},
) {
  const sqsServer = await createSqsServer({ port: 0, hostname: '127.0.0.1' });
  closers.push(() => new Promise((r) => sqsServer.close(r)));
  const sqsEndpoint = `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`;
  const sqs = new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1', credentials: CREDENTIALS });
  closers.push(async () => sqs.destroy());
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'shares-LTC' }));
  const [stratumPort, opsPort] = (await freePorts(2)) as [number, number];
  const base = testPoolConfig(devnet, DIFFICULTY);
  const config = {
    ...base,
    stratum: { ...base.stratum, drainSeconds: 1 },
    queue: { ...base.queue, ...over.queue },
    coins: base.coins.map((c) => ({
      ...c,
      security: { ...c.security, connectionLimits: { ...c.security?.connectionLimits, ...over.connectionLimits } },
      ports: c.ports.map((p) => ({ ...p, port: stratumPort })),
    })),
  };
  const env: Record<string, string> = {
    POOL_COIN: 'LTC',
    POOL_CONFIG_JSON: JSON.stringify(config),
    SHARE_QUEUE_URL: QueueUrl!,
    OPS_PORT: String(opsPort),
    AWS_ENDPOINT_URL_SQS: sqsEndpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  };
  return { sqs, QueueUrl, stratumPort, opsPort, env };
}

/** A plain TCP client: everything the server sent until it closed the connection. */
async function rawConnect(port: number) {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.setEncoding('utf8').on('data', (d: string) => {
    text += d;
  });
  socket.on('error', () => {});
  const closed = once(socket, 'close').then(() => text);
  return { socket, text: () => text, closedWith: () => closed };
}
