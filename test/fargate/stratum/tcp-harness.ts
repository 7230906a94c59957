import { connect, type Socket } from 'node:net';
import type { JobProvider } from '../../../fargate/src/jobs/types.js';
import type { BanPolicy } from '../../../fargate/src/stratum/ban-policy.js';
import type { StratumServerOptions } from '../../../fargate/src/stratum/context.js';
import { createMemoryMetrics } from '../../../fargate/src/stratum/metrics.js';
import { encodeProxyV2 } from '../../../fargate/src/stratum/proxy-protocol.js';
import { StratumServer, type StratumServerDeps } from '../../../fargate/src/stratum/server.js';
import { stratumV1 } from '../../../fargate/src/stratum/stratum-v1.js';
import { listenStratum } from '../../../fargate/src/stratum/tcp.js';
import { ADDRESS, FakeJobProvider, MemoryShareQueue, options, RecordingLogger, validate } from './fakes.js';
import { PairClient } from './pair-client.js';

export const USER = `${ADDRESS}.rig1`;

export interface TcpServerOptions {
  over?: Partial<StratumServerOptions>;
  /** Expect a PROXY v2 header, as behind an NLB; `proxied()` sends one. */
  proxyProtocol?: boolean;
  /** The server's clock (vardiff, bans); wall time when absent. */
  now?: () => number;
  /** A ban policy shared with other servers (the ports of one coin). */
  policy?: BanPolicy;
  /** Real collaborators in place of the fakes (a JobManager on a coin's template, the coin's address check). */
  deps?: { jobs?: JobProvider } & Pick<Partial<StratumServerDeps>, 'validateAddress'>;
}

/**
 * A StratumServer behind listenStratum on 127.0.0.1, an ephemeral port, with counting metrics. `onCleanup`
 * receives what stops it and every socket it opened.
 */
export async function startTcp(onCleanup: (fn: () => Promise<void> | void) => void, o: TcpServerOptions = {}) {
  const jobs = new FakeJobProvider();
  const queue = new MemoryShareQueue();
  const log = new RecordingLogger();
  const metrics = createMemoryMetrics();
  const served = o.deps?.jobs ?? jobs;
  const server = new StratumServer({
    options: options(o.over),
    jobs: served,
    dialects: [stratumV1(served)],
    shares: queue,
    validateAddress: validate,
    log,
    metrics,
    ...(o.now ? { now: o.now } : {}),
    ...(o.policy ? { policy: o.policy } : {}),
    ...(o.deps?.validateAddress ? { validateAddress: o.deps.validateAddress } : {}),
  });
  const tcp = await serveTcp(server, log, onCleanup, o.proxyProtocol ?? false);
  /** A memory metric, 0 when never counted ("drops:LTC:banned", "bans:LTC:malformed"…). */
  const count = (key: string) => metrics.counts.get(key) ?? 0;
  return { jobs, queue, log, server, ...tcp, count };
}

/**
 * Puts `server` behind listenStratum on 127.0.0.1 (an ephemeral port); returns ways to open sockets and clients to it.
 * `onCleanup` receives what stops the server and every socket it opened.
 */
export async function serveTcp(
  server: StratumServer,
  log: RecordingLogger,
  onCleanup: (fn: () => Promise<void> | void) => void,
  proxyProtocol = false,
) {
  const listener = await listenStratum(server, {
    host: '127.0.0.1',
    port: 0,
    proxyProtocol,
    keepAliveSeconds: 60,
    headerTimeoutMs: 2000,
    log,
  });
  onCleanup(async () => {
    server.close();
    await listener.close();
  });
  const socket = async (): Promise<Socket> => {
    const s = connect(listener.port, '127.0.0.1');
    onCleanup(() => void s.destroy());
    await new Promise((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    return s;
  };
  const client = async () => new PairClient(await socket());
  /** A client whose connection starts with a PROXY v2 header naming `address` as the real client. */
  const proxied = async (address: string, port = 40000) => {
    const s = await socket();
    s.write(encodeProxyV2({ address, port }, { address: '10.0.0.5', port: 3333 }));
    return new PairClient(s);
  };
  return { port: listener.port, socket, client, proxied };
}

/** subscribe + authorize, then waits for the first job. */
export async function working(c: PairClient, user = USER) {
  const sub = await c.request(1, 'mining.subscribe', ['test/1.0']);
  const auth = await c.request(2, 'mining.authorize', [user, 'x']);
  await c.notification('mining.notify');
  return { sub, auth, extranonce1: (sub.result as [unknown, string])[1] };
}

export const submitParams = (en2: string, versionBits?: string) => [
  USER,
  '1',
  en2,
  '6500000a',
  '0000abcd',
  ...(versionBits ? [versionBits] : []),
];

/** Resolves once the server closed the connection (true), or false if it was still open after 5 s. */
export const closed = (c: PairClient) => c.waitFor(() => false, 'never').catch(() => c.ended);
