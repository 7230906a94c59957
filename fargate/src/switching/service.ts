import { getCoin, validateAddress } from '../../../core/coins/index.js';
import { auxCoinsOf } from '../../../core/config/merged.js';
import type { PoolConfig } from '../../../core/config/schema.js';
import { ConfigError } from '../../../core/errors.js';
import type { Exchange } from '../../../core/ports/exchange.js';
import type { Logger } from '../../../core/ports/logger.js';
import type { ShareQueue } from '../../../core/ports/share-queue.js';
import type { ProfitabilityRow, SwitchingState, SwitchingStore } from '../../../core/ports/switching-store.js';
import { type ChainEarningsInput, earningsPerHash, perTerahash } from '../../../core/switching/earnings.js';
import { RewardAverage } from '../../../core/switching/reward-average.js';
import { type CoinStanding, evaluate, type SwitchingMemory } from '../../../core/switching/rule.js';
import type { JobSource } from '../../../families/chain-family.js';
import { CHAIN_FAMILIES, type ChainFamilies } from '../../../families/registry.js';
import { auxPasswordCoins, connectionCount, drainPorts, jobsHealth, openStratumPorts } from '../coin-service.js';
import type { CoinHealth } from '../http/ops-server.js';
import { JobMultiplexer } from '../jobs/multiplex.js';
import type { JobEconomics, JobProvider, StratumJob } from '../jobs/types.js';
import { enqueueWithAck } from '../queue/share-ack.js';
import { BanPolicy } from '../stratum/ban-policy.js';
import { EXTRANONCE1_SIZE, ExtranonceAllocator, type ExtranonceLane } from '../stratum/extranonce.js';
import type { StratumMetrics } from '../stratum/metrics.js';
import type { StratumServer } from '../stratum/server.js';
import { switchingStratumV1 } from './dialect.js';
import { PricePoller } from './prices.js';

export type SwitchingConfig = PoolConfig['switching'][number];

/** A job source the switching port can mine: Stratum V1 jobs and what its newest job pays (the Bitcoin family's). */
export type SwitchableSource = JobSource & JobProvider & { economics(): JobEconomics | undefined };

export interface SwitchingServiceDeps {
  config: Readonly<PoolConfig>;
  port: Readonly<SwitchingConfig>;
  /** Each coin's ShareQueue: a share is queued on the coin its job was for (and credited there). */
  shares: (coin: string) => ShareQueue;
  /** The exchanges whose public books give prices (CcxtExchange without credentials; fakes in tests). */
  exchanges: readonly Exchange[];
  store: SwitchingStore;
  log: Logger;
  metrics: StratumMetrics;
  /**
   * A coin's job source already running in this process (its own port's, local mode): the switching port shares it,
   * so one job manager checks every share of that coin whichever port it came in on (a share sent to both ports is
   * a duplicate of itself, never credited twice). Absent or undefined: the port starts the coin's job source.
   */
  sharedSource?: (coin: string) => JobSource | undefined;
  /** Hex prefix of this port's extranonce1 values (a leased task prefix), as for a coin's ports. */
  instancePrefix?: string;
  /** This process's lane of the prefix's extranonce1 values, when a task runs several stratum processes. */
  extranonceLane?: ExtranonceLane;
  serverVersion?: string;
  families?: ChainFamilies;
  now?: () => number;
}

export interface SwitchingService {
  name: string;
  mux: JobMultiplexer;
  servers: StratumServer[];
  /** The port's ban list and connection budget (local mode relays it to the first coin's shared bans). */
  policy: BanPolicy;
  ports: number[];
  /** What /health reports of each coin's nodes; the connections are counted on the coin mined now. */
  health(): CoinHealth[];
  /** The coin's newest job (the pool page's live stats). */
  job(coin: string): Pick<StratumJob, 'height' | 'networkDifficulty'> | undefined;
  /** Fetch the coin's template now (blocknotify); false when the port does not mine it. */
  refresh(coin: string): boolean;
  /** Stop accepting, client.reconnect everyone, close after graceMs. */
  drain(graceMs: number): Promise<void>;
  /** Runs the rule once now (the timer does it every `evaluateSeconds`); resolves once the state is recorded. */
  evaluateNow(): Promise<void>;
  /** Reads every price now. */
  pollPrices(): Promise<void>;
  state(): SwitchingState;
  stop(): Promise<void>;
}

/**
 * A switching port: one job source per coin (shared with the coin's own port when it runs in this process), the
 * multiplexer over them, Stratum V1 servers on the port's ports, a price poller and the switching rule every
 * `evaluateSeconds`. A switch sends every miner the new coin's newest job clean, with set_difficulty, without a
 * reconnect; shares are queued on the coin they were mined on.
 */
export async function startSwitchingService(deps: SwitchingServiceDeps): Promise<SwitchingService> {
  const { config, port, log } = deps;
  const now = deps.now ?? Date.now;
  const families = deps.families ?? CHAIN_FAMILIES;
  const stopAll: Array<() => void | Promise<void>> = [];
  try {
    const sources: Array<readonly [string, SwitchableSource]> = [];
    for (const symbol of port.coins) {
      const coin = config.coins.find((c) => c.symbol === symbol);
      if (!coin) throw new ConfigError(`switching port ${port.name}: ${symbol} is not a configured coin`);
      let source = deps.sharedSource?.(symbol);
      if (!source) {
        const family = await families.forCoin(coin).stratum();
        source = await family.startJobs({
          config,
          coin,
          network: coin.network,
          extranonce1Size: EXTRANONCE1_SIZE,
          auxCoins: auxCoinsOf(config, symbol),
          log,
          now,
        });
        const own = source;
        stopAll.push(() => own.stop());
      }
      sources.push([symbol, switchable(source, symbol)]);
    }
    const first = config.coins.find((c) => c.symbol === port.coins[0])!;
    const mux = new JobMultiplexer(sources, first.symbol);
    stopAll.push(() => mux.stop());
    const bySymbol = new Map(sources);

    const auxOf = new Map(port.coins.map((c) => [c, auxCoinsOf(config, c).map((a) => a.symbol)]));
    const priced = [...new Set([...port.coins, ...[...auxOf.values()].flat()])];
    const prices = new PricePoller({
      exchanges: deps.exchanges,
      coins: priced,
      quote: port.quote,
      mode: port.prices.price,
      intervalMs: port.prices.pollSeconds * 1000,
      log,
      now,
    });
    stopAll.push(() => prices.stop());
    const rewards = new Map(priced.map((c) => [c, new RewardAverage()]));
    const observe = (coin: string) => {
      const e = bySymbol.get(coin)!.economics();
      if (!e) return;
      rewards.get(coin)!.observe(e.height, e.reward);
      for (const a of e.aux) rewards.get(a.coin)?.observe(a.height, a.reward);
    };
    for (const [coin, source] of sources) {
      observe(coin);
      stopAll.push(source.onJob(() => observe(coin)));
    }

    // Every coin's share goes to its own queue; a refusal is counted on the coin the port mines now.
    const shares: ShareQueue = {
      enqueue: (share) => deps.shares(share.coin).enqueue(share),
      enqueueAck: (share, ack) => enqueueWithAck(deps.shares(share.coin), share, ack),
      refused: (_coin, miner, worker, kind, at) =>
        deps.shares(mux.currentName).refused?.(mux.currentName, miner, worker, kind, at),
      auxAddress: (claim) => deps.shares(first.symbol).auxAddress?.(claim),
      flush: async () => {},
      close: async () => {},
    };
    const def = getCoin(first.symbol);
    const account = config.coins.find((c) => c.symbol === (port.payoutCurrency ?? first.symbol)) ?? first;
    const multiplierOf = (coin: string) => getCoin(coin).stratumDiffMultiplier;
    const dialect = switchingStratumV1(mux, multiplierOf);
    const extranonces = new ExtranonceAllocator(
      mux.extranonce1Size,
      deps.instancePrefix ?? '',
      undefined,
      deps.extranonceLane,
    );
    const policy = new BanPolicy(first.security, now);
    const { servers, listeners } = await openStratumPorts({
      config,
      ports: port.ports,
      server: {
        options: {
          coin: def,
          network: first.network,
          instancePrefix: deps.instancePrefix,
          serverVersion: deps.serverVersion,
        },
        jobs: mux,
        dialects: [dialect],
        shares,
        // Miners log in with an address of the payout currency (else the port's first coin): their account on every
        // coin's ledger (core/conversion/exclusion.ts pays it there).
        validateAddress: (address) => validateAddress(getCoin(account.symbol), account.network, address),
        auxCoins: auxPasswordCoins(config, first),
        log,
        metrics: deps.metrics,
        extranonces,
        policy,
        now,
      },
    });
    stopAll.push(async () => {
      const closing = listeners.map((l) => l.close());
      for (const s of servers) s.close();
      await Promise.all(closing);
    });

    let memory: SwitchingMemory = { current: first.symbol, since: now(), aheadSince: {} };
    let state: SwitchingState = {
      port: port.name,
      algorithm: port.algorithm,
      quote: port.quote,
      current: first.symbol,
      since: memory.since,
      table: [],
      at: memory.since,
    };
    const rules = port;
    const evaluateNow = async (): Promise<void> => {
      const at = now();
      const rows: ProfitabilityRow[] = [];
      const standings: CoinStanding[] = port.coins.map((coin) => {
        observe(coin);
        const source = bySymbol.get(coin)!;
        const e = source.economics();
        const price = prices.price(coin);
        const own = chainInput(rewards.get(coin)!.average(), e?.target, price?.price);
        const aux = (e?.aux ?? []).map((a) => {
          const p = prices.price(a.coin);
          const fresh = p !== undefined && at - p.at <= rules.maxPriceAgeSeconds * 1000;
          const reward = rewards.get(a.coin)?.average();
          // A merged chain without a fresh price adds nothing: never switch toward income that cannot be valued.
          const input = fresh ? chainInput(reward, a.target, p.price) : undefined;
          return { coin: a.coin, reward, price: p, input };
        });
        const earnings = own && earningsPerHash([own, ...aux.flatMap((a) => (a.input ? [a.input] : []))]);
        const healthy = source.upstreams().some((u) => u.auxCoin === undefined && u.healthy);
        rows.push({
          coin,
          ...(earnings !== undefined && { earningsPerTerahash: perTerahash(earnings) }),
          ...(own && { reward: own.reward.toString() }),
          ...(source.current() && { networkDifficulty: source.current()!.networkDifficulty }),
          ...(price && { price: price.text, priceAt: price.at }),
          ...(aux.length > 0 && {
            aux: aux.map((a) => ({
              coin: a.coin,
              ...(a.reward !== undefined && { reward: a.reward.toString() }),
              ...(a.price && { price: a.price.text, priceAt: a.price.at }),
              ...(a.input && { earningsPerTerahash: perTerahash(earningsPerHash([a.input])) }),
            })),
          }),
          healthy,
          eligible: false,
        });
        return { coin, earnings, healthy, priceAt: price?.at };
      });
      const result = evaluate(memory, standings, at, rules);
      result.eligibility.forEach((e, i) => {
        rows[i]!.eligible = e.eligible;
        if (e.because) rows[i]!.ineligibleBecause = e.because;
      });
      const from = memory.current;
      memory = result.memory;
      if (result.switchTo) {
        mux.select(result.switchTo.coin);
        const earningsOf = (coin: string) => rows.find((r) => r.coin === coin)?.earningsPerTerahash;
        const record = {
          port: port.name,
          at,
          from,
          to: result.switchTo.coin,
          reason: result.switchTo.reason,
          ...(earningsOf(from) !== undefined && { fromEarnings: earningsOf(from) }),
          ...(earningsOf(result.switchTo.coin) !== undefined && { toEarnings: earningsOf(result.switchTo.coin) }),
        };
        log.info(record, 'switching port moved its miners');
        await deps.store
          .recordSwitch(record)
          .catch((err: unknown) => log.error({ err, ...record }, 'switch not recorded'));
      }
      state = {
        port: port.name,
        algorithm: port.algorithm,
        quote: port.quote,
        current: memory.current,
        since: memory.since,
        ...(result.leader && { leader: result.leader }),
        table: rows,
        at,
      };
      await deps.store
        .putState(state)
        .catch((err: unknown) => log.warn({ err, port: port.name }, 'switching state not recorded'));
    };

    await prices.start();
    let running: Promise<void> | undefined;
    const tick = setInterval(() => {
      running ??= evaluateNow()
        .catch((err: unknown) => log.error({ err, port: port.name }, 'switching evaluation failed'))
        .finally(() => {
          running = undefined;
        });
    }, port.evaluateSeconds * 1000);
    tick.unref();
    stopAll.push(() => clearInterval(tick));
    log.info({ port: port.name, coins: port.coins, ports: listeners.map((l) => l.port) }, 'switching port started');
    return {
      name: port.name,
      mux,
      servers,
      policy,
      ports: listeners.map((l) => l.port),
      health: () =>
        sources.map(([coin, source]) =>
          jobsHealth(config, coin, source, coin === mux.currentName ? connectionCount(servers) : 0),
        ),
      job: (coin) => bySymbol.get(coin)?.current(),
      refresh: (coin) => {
        const source = bySymbol.get(coin);
        source?.refresh().catch((err: unknown) => log.warn({ err, coin }, 'template refresh failed'));
        return source !== undefined;
      },
      drain: (graceMs) => drainPorts(servers, listeners, graceMs),
      evaluateNow,
      pollPrices: () => prices.poll(),
      state: () => state,
      stop: async () => {
        for (const stop of stopAll.reverse()) await stop();
        await running;
      },
    };
  } catch (err) {
    for (const stop of stopAll.reverse()) await Promise.resolve(stop()).catch(() => {});
    throw err;
  }
}

function chainInput(
  reward: bigint | undefined,
  target: bigint | undefined,
  price: bigint | undefined,
): ChainEarningsInput | undefined {
  if (reward === undefined || target === undefined || price === undefined) return undefined;
  return { reward, target, price };
}

/** The source as the switching port needs it: Stratum V1 jobs and economics(); a ConfigError otherwise. */
function switchable(source: JobSource, coin: string): SwitchableSource {
  const s = source as Partial<SwitchableSource>;
  if (typeof s.checkShare !== 'function' || typeof s.economics !== 'function' || s.extranonce2Size === undefined) {
    throw new ConfigError(`${coin}'s job source cannot serve a switching port (Stratum V1 jobs with their rewards)`);
  }
  return source as SwitchableSource;
}
