import { getCoin } from '../../core/coins/index.js';
import { ConfigError } from '../../core/errors.js';
import type { HeaderHasher } from '../../fargate/src/hashing/index.js';
import { JobMultiplexer } from '../../fargate/src/jobs/multiplex.js';
import { ProxyJobSource } from '../../fargate/src/jobs/proxy/proxy-job-source.js';
import { UpstreamPool } from '../../fargate/src/jobs/proxy/upstream-pool.js';
import type { JobProvider, ShareCheck, ShareSubmission, StratumJob } from '../../fargate/src/jobs/types.js';
import type { StratumDialect } from '../../fargate/src/stratum/context.js';
import { stratumV1 } from '../../fargate/src/stratum/stratum-v1.js';
import type { JobSource, JobSourceContext, Upstream } from '../chain-family.js';

/** The coin's own job manager (NodeJobSource): a job source whose jobs are Stratum V1's. */
type NodeJobSource = JobSource & JobProvider;

/** Names of the multiplexer's two sources when the coin falls back to its node. */
export const UPSTREAM_SOURCE = 'upstream';
export const NODE_SOURCE = 'node';

/**
 * Our miners' extranonce1 in proxy mode: the task prefix and a 2-byte counter (65,536 live connections per task),
 * two bytes shorter than on the coin's own node, so that it and the miners' extranonce2 (coins[].proxy.extranonce2Size,
 * 4) fit the 8 bytes of extranonce2 common upstreams give (ckpool, and this pool with jobs.extranonce2Size 8).
 */
export function proxyExtranonce1Size(ctx: Pick<JobSourceContext, 'extranonce1Size'>): number {
  return ctx.extranonce1Size - 2;
}

/**
 * A coin in proxy mode: the upstream pools' jobs (ProxyJobSource, UpstreamPool with failover) and, with
 * `fallbackToNode`, the coin's own job manager behind one JobMultiplexer: the node's jobs while no upstream serves,
 * the upstream's again as soon as one does (each switch a clean job for every miner).
 */
export class ProxyCoinJobSource implements JobSource, JobProvider {
  readonly dialects: readonly StratumDialect[];
  readonly extranonce1Size: number;
  readonly extranonce2Size: number;
  private readonly provider: JobProvider;
  private readonly mux: JobMultiplexer | undefined;

  constructor(
    readonly proxy: ProxyJobSource,
    readonly upstreamPool: UpstreamPool,
    /** The coin's own job manager, when it falls back to its node. */
    readonly node?: NodeJobSource,
  ) {
    if (node) {
      this.mux = new JobMultiplexer([
        [UPSTREAM_SOURCE, proxy],
        [NODE_SOURCE, node],
      ]);
      this.provider = this.mux;
      proxy.onAvailability((up) => this.mux?.select(up ? UPSTREAM_SOURCE : NODE_SOURCE));
      if (!proxy.available) this.mux.select(NODE_SOURCE);
    } else this.provider = proxy;
    this.extranonce1Size = this.provider.extranonce1Size;
    this.extranonce2Size = this.provider.extranonce2Size;
    this.dialects = [stratumV1(this)];
  }

  /** Both sources mine the coin itself: a share is credited on it whichever made its job (no `coin` of a source). */
  async checkShare(submission: ShareSubmission): Promise<ShareCheck> {
    const check = await this.provider.checkShare(submission);
    if (!check.ok || check.coin === undefined) return check;
    const { coin: _source, ...own } = check;
    return own;
  }

  /** BIP310: the serving upstream's mask while miners mine its jobs; the port's own on the node. */
  get versionMask(): number | undefined {
    return this.mining === UPSTREAM_SOURCE ? this.proxy.versionMask : undefined;
  }

  /** Which source miners mine: `upstream` or `node`. */
  get mining(): string {
    return this.mux?.currentName ?? UPSTREAM_SOURCE;
  }

  current(): StratumJob | undefined {
    return this.provider.current();
  }

  onJob(listener: (job: StratumJob) => void): () => void {
    return this.provider.onJob(listener);
  }

  async refresh(): Promise<void> {
    await this.node?.refresh();
  }

  stop(): void {
    this.upstreamPool.stop();
    this.mux?.stop();
    this.node?.stop();
  }

  /** The upstream pools in order (with their forwarded shares' answers), then the coin's daemons when it falls back. */
  upstreams(): Upstream[] {
    return [...this.upstreamPool.status(), ...(this.node?.upstreams() ?? [])];
  }
}

/**
 * Starts a coin's proxy mining: connects to its upstreams in order; without an upstream serving, mines on its node when
 * `fallbackToNode` is set, else fails (the runtime retries the coin) rather than serve miners nothing.
 */
export async function startProxyJobs(
  ctx: JobSourceContext,
  powHash: HeaderHasher,
  startNode: (sizes: { extranonce1Size: number; extranonce2Size: number }) => Promise<NodeJobSource>,
): Promise<ProxyCoinJobSource> {
  const { coin, log, now } = ctx;
  const proxy = coin.proxy;
  if (!proxy) throw new ConfigError(`${coin.symbol} has no proxy section`);
  const sizes = { extranonce1Size: proxyExtranonce1Size(ctx), extranonce2Size: proxy.extranonce2Size };
  const source = new ProxyJobSource({
    coin: getCoin(coin.symbol),
    ...sizes,
    powHash,
    logger: log,
    now,
    ...(ctx.metrics && { metrics: ctx.metrics.upstreamShares }),
  });
  const pool = new UpstreamPool(
    {
      endpoints: proxy.upstreams,
      timeoutMs: proxy.requestTimeoutSeconds * 1000,
      maxRetryMs: proxy.maxRetrySeconds * 1000,
      log,
      now,
    },
    source.events,
  );
  source.attach(pool);
  let node: NodeJobSource | undefined;
  try {
    if (proxy.fallbackToNode) node = await startNode(sizes);
    await pool.start();
    if (!source.available) await firstJob(source, proxy.requestTimeoutSeconds * 1000);
    if (!source.available && !node) {
      const why = pool
        .status()
        .map((u) => `${u.daemon}: ${u.lastError ?? 'no job'}`)
        .join('; ');
      throw new ConfigError(`${coin.symbol}: no upstream pool serves jobs (${why}) and fallbackToNode is off`);
    }
  } catch (err) {
    pool.stop();
    node?.stop();
    throw err;
  }
  return new ProxyCoinJobSource(source, pool, node);
}

/** Waits up to `ms` for the upstream's first job (it follows authorize), whichever comes first. */
function firstJob(source: ProxyJobSource, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    const off = source.onAvailability((up) => up && done());
    function done() {
      clearTimeout(timer);
      off();
      resolve();
    }
    if (source.available) done();
  });
}
