import type { NetworkName } from '../core/coins/index.js';
import type { CoinConfig, PoolConfig } from '../core/config/schema.js';
import { ConfigError } from '../core/errors.js';
import type { ConfirmationRules } from '../core/ports/chain-reader.js';
import type { Logger } from '../core/ports/logger.js';
import type { AnyPayoutSender, PayoutSender } from '../core/ports/payout-sender.js';
import type { UpstreamPayoutStore, UpstreamWallet } from '../core/ports/upstream-payouts.js';
import type { Job, JobFeed } from '../fargate/src/jobs/types.js';
import type { StratumDialect } from '../fargate/src/stratum/context.js';
import type { StratumMetrics } from '../fargate/src/stratum/metrics.js';

/**
 * A chain family: what the composition roots (fargate/, local/, lambdas/, infra/) build a coin's services from,
 * found by the coin's family name (core/coins `familyOf`) in the registry (families/registry.ts). A new chain
 * (Ethereum-like: getWork, etchash, ethers payouts) is a new family module beside families/bitcoin, not a branch in
 * a runtime.
 *
 * The parts are split by the runtime that uses them: the stratum part loads the native hashing addon, which only the
 * stratum container and local mode have, so it is loaded on demand (`stratum()`); a Lambda bundle never runs it.
 */
export interface ChainFamily {
  /** The name coins refer to (CoinDefinition.family, coins[].family). */
  readonly name: string;
  /** What the CDK app provisions for a coin of the family (infra/stacks/coin-stack.ts). */
  readonly deployment: FamilyDeployment;
  /** How the coin's stratum tasks keep miners' work apart, and whether a share is bound to its connection. */
  readonly work: FamilyWork;
  /** Confirmation and payouts: the chain reader and the payout sender. */
  readonly money: MoneyFamily;
  /** The mining front: job source, share check, stratum dialects (loaded on demand). */
  stratum(): Promise<StratumFamily>;
}

/** What a coin of the family needs in AWS. */
export interface FamilyDeployment {
  /** The coin's nodes take RPC credentials: a Secrets Manager secret the stratum task and money functions read. */
  readonly daemonSecret: boolean;
  /** The money functions (confirmation, payouts) talk to the coin's private nodes: they run in the VPC. */
  readonly moneyInVpc: boolean;
  /** The stratum task's image: its Dockerfile, relative to the repository root (the build context). */
  readonly stratumDockerfile: string;
}

/** How miners' work is kept apart across a coin's stratum processes and tasks. */
export interface FamilyWork {
  /**
   * Bytes of the prefix each stratum task of the coin leases (fargate/src/task-prefix.ts: unique among the coin's
   * live tasks), which every extranonce the task hands out starts with; its processes split the rest in lanes. The
   * Bitcoin family: 2 (extranonce1 = prefix ‖ 4-byte counter). The Ethereum family: 1, as EthereumStratum/1.0.0's
   * extranonce has at most 3 bytes (prefix ‖ 2-byte counter: 256 tasks per coin, 65,536 connections per task).
   */
  readonly taskPrefixBytes: number;
  /**
   * Whether every share is bound to the connection that sent it: true when the work hashed contains the
   * connection's extranonce (Stratum V1's coinbase), so the same share cannot be valid on another connection, process
   * or task. False for the Ethereum family: an EthProxy miner chooses the whole nonce of the node's seal hash, so one
   * share can be sent to every task (and a nonce that starts with another connection's EthereumStratum extranonce
   * too). Ingest then claims each share's PoW hash before counting it (core/shares/ingest-batch.ts `claimShares`).
   */
  readonly boundToConnection: boolean;
}

/** Confirmation rules, payouts and conversion deposits of a coin. */
export interface MoneyFamily {
  /** Confirmation rules: how blocks are found in the chain and followed to maturity (orphans, reorgs). */
  confirmation(coin: Readonly<CoinConfig>): ConfirmationRules;
  /**
   * How the coin's payouts are sent (coins[].payouts): a sender found by payout id after a crash, or one that signs
   * first (core/ports/payout-sender.ts); a ConfigError when the coin has none.
   */
  payoutSender(coin: Readonly<CoinConfig>): AnyPayoutSender;
  /**
   * The pool wallet that conversion deposits to exchanges are sent from (app/convert/deposit.ts), built only when an
   * exchange of the coin takes deposits; a ConfigError when the coin has no wallet to send them from.
   */
  depositWallet(coin: Readonly<CoinConfig>): PayoutSender;
  /**
   * Proxy mining (coins[].proxy): the pool wallet the upstream pays, as the upstream payouts pass reads it
   * (app/proxy). Absent: the family cannot proxy.
   */
  upstreamWallet?(coin: Readonly<CoinConfig>): UpstreamWallet;
}

/**
 * The mining front of a coin. The family owns its job's shape, its share check (PoW verifier included) and the
 * dialects miners speak to it; the shared stratum core sees only a JobFeed and StratumDialects.
 */
export interface StratumFamily {
  /**
   * Starts the coin's job source (work from its nodes in, jobs and share verdicts out) with the dialects made for
   * it; resolves once the first job exists, rejects (having stopped what it started) if it cannot get one.
   */
  startJobs(ctx: JobSourceContext): Promise<JobSource>;
}

export interface JobSourceContext {
  config: Readonly<PoolConfig>;
  coin: Readonly<CoinConfig>;
  network: NetworkName;
  /** Bytes of extranonce1 a family whose miners take a long one may use: the task prefix and a 4-byte counter. */
  extranonce1Size: number;
  /**
   * Merged mining: the coins merge-mined under this one (core/config/merged.ts `auxCoinsOf`), in config order. A family
   * that cannot merge-mine refuses a non-empty list. Absent: none.
   */
  auxCoins?: readonly Readonly<CoinConfig>[];
  log: Logger;
  now: () => number;
  /** The process's Prometheus counters a job source adds to (proxy mining: each upstream's answers). Absent: none. */
  metrics?: Pick<StratumMetrics, 'upstreamShares'>;
}

/**
 * A running job source: the stratum server's JobFeed, the dialects every port of the coin speaks (made for this job
 * source: they read its jobs and check shares with it), its lifecycle and its nodes' health.
 */
export interface JobSource extends JobFeed<Job> {
  /** In the order a connection's first request is offered to them (StratumDialect.opens). */
  readonly dialects: readonly StratumDialect[];
  /** Fetch work now (blocknotify, a new-head notification). */
  refresh(): Promise<void>;
  stop(): void;
  /**
   * Each node the job source uses, in failover order, and whether it answers; then, merged mining, each aux coin's
   * nodes (marked `auxCoin`).
   */
  upstreams(): ReadonlyArray<Upstream>;
}

/** A node a job source uses. */
export interface Upstream {
  /** Its name in logs (the URL without credentials; an aux coin's node prefixed with the coin: `DOGE http://…`). */
  daemon: string;
  healthy: boolean;
  lastError?: string;
  /**
   * Merged mining: the aux coin whose work this node gives. Such a node never counts toward the coin's own health
   * (the NLB's): the parent mines on without it, only that aux coin's blocks wait.
   */
  auxCoin?: string;
}

export type { ConfirmationRules };

/**
 * What a coin's confirmation pass needs besides its rules (app/confirm/pass.ts `confirmCoin`): for a proxied coin,
 * the pool wallet the upstream pays (its family's) and where upstream payouts are recorded; nothing otherwise.
 */
export function upstreamPorts(
  family: ChainFamily,
  coin: Readonly<CoinConfig>,
  store: UpstreamPayoutStore,
): { upstream?: { wallet: UpstreamWallet; store: UpstreamPayoutStore } } {
  if (!coin.proxy) return {};
  if (!family.money.upstreamWallet) throw new ConfigError(`${coin.symbol}: the ${family.name} family cannot proxy`);
  return { upstream: { wallet: family.money.upstreamWallet(coin), store } };
}
