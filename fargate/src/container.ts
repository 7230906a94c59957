import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolveDaemonCredentials, unresolvedRelativeMarkers } from '../../core/config/credentials.js';
import { type Environment, parseEnv } from '../../core/config/env.js';
import { parseConfigText } from '../../core/config/load.js';
import { auxCoinsOf } from '../../core/config/merged.js';
import type { PoolConfig } from '../../core/config/schema.js';
import { ConfigError } from '../../core/errors.js';
import {
  auxDaemonEnv,
  type ContainerEnv,
  containerEnvSchema,
  type SwitchingEnv,
  switchingCoinVariables,
  switchingEnvSchema,
} from './env.js';

/** What every stratum task has, whatever it serves. */
export interface TaskSettings {
  config: Readonly<PoolConfig>;
  spoolDir: string;
  opsPort: number;
  /** The coin's stats table: the process reports live counts there (adapters/aws/dynamo-live-stats.ts); optional. */
  statsTable?: string;
  /** Unique per task: prefixes batch ids, owns the task's extranonce1 prefix lease. */
  instanceId: string;
  /** A stratum process's extranonce1 prefix, leased by its primary (fargate/src/task-prefix.ts); unset in the primary. */
  instancePrefix?: string;
  /** Stratum processes of the task (its vCPUs). */
  processes: number;
  /** This stratum process's lane (0 … processes − 1); unset in the primary. */
  processIndex?: number;
  /** What a caller of POST /blocknotify must present; unset: loopback callers only. */
  blockNotifyToken?: string;
  logLevel: string;
}

/** A coin's task (POOL_COIN). */
export interface ContainerSettings extends TaskSettings {
  coin: string;
  queueUrl: string;
  /** The coin's stats table: each process reports live counts there (adapters/aws/dynamo-live-stats.ts); optional. */
  statsTable?: string;
}

/** A switching port's task (POOL_SWITCHING, issue 17). */
export interface SwitchingSettings extends TaskSettings {
  /** The port's name (`switching[].name`). */
  port: string;
  /** Each coin of the port, in its order: the queue its shares go to and the stats table it leases and reports in. */
  coins: Array<{ symbol: string; queueUrl: string; statsTable: string }>;
}

/**
 * Reads the container's environment (set by infra/constructs/stratum-service.ts) through its schema
 * (fargate/src/env.ts): the pool config as JSON (POOL_CONFIG_JSON) or a file (POOL_CONFIG), its one coin (POOL_COIN),
 * the share queue (SHARE_QUEUE_URL), the coin's stats table for live counts (STATS_TABLE, optional), the stratum
 * processes, and daemon credentials (POOL_DAEMON_USER / POOL_DAEMON_PASSWORD, from Secrets Manager; for each aux
 * coin POOL_COIN merges, POOL_<SYMBOL>_DAEMON_USER / _PASSWORD from its secret). A missing or malformed variable is a
 * ConfigError naming each one.
 */
export function settingsFromEnv(env: Environment): ContainerSettings {
  const e = parseEnv(containerEnvSchema, env, 'stratum container');
  const parsed = readConfig(e);
  const coin = e.POOL_COIN;
  if (!parsed.coins.some((c) => c.symbol === coin)) throw new ConfigError(`POOL_COIN ${coin} is not in the config`);
  const merged = parsed.coins.find((c) => c.symbol === coin)?.mergedWith;
  if (merged !== undefined) {
    // An aux chain has no stratum of its own: its parent's task commits to its work and submits its blocks.
    throw new ConfigError(`POOL_COIN ${coin} is merge-mined with ${merged}: only ${merged}'s stratum task mines it`);
  }
  const auxSymbols = auxCoinsOf(parsed, coin).map((c) => c.symbol);
  const config = resolveDaemonCredentials(parsed, {
    POOL_DAEMON_USER: e.POOL_DAEMON_USER,
    POOL_DAEMON_PASSWORD: e.POOL_DAEMON_PASSWORD,
    ...auxDaemonEnv(env, auxSymbols),
  });
  // A task that cannot authenticate to an aux coin's nodes would mine the parent and silently never merge it.
  const unset = auxCoinsOf(config, coin).flatMap(unresolvedRelativeMarkers);
  if (unset.length > 0) {
    const issues = unset.map((name) => `${name}: is not set`);
    throw new ConfigError(
      `stratum container environment is invalid (${coin} merges ${auxSymbols.join(', ')}, whose daemons need it):\n  - ${issues.join('\n  - ')}`,
      issues,
    );
  }
  return {
    ...taskSettings(e, config),
    coin,
    queueUrl: e.SHARE_QUEUE_URL,
    ...(e.STATS_TABLE && { statsTable: e.STATS_TABLE }),
  };
}

/**
 * A switching task's environment (issue 17): POOL_SWITCHING names a port of the config (CDK: switchingContainerConfig
 * in infra/pool-config.ts); for each of its coins POOL_<SYMBOL>_SHARE_QUEUE_URL and _STATS_TABLE, and the daemon
 * credentials of each coin and of each aux coin one of them merges, POOL_<SYMBOL>_DAEMON_USER / _PASSWORD. Every
 * variable missing is named in one ConfigError: a task without one coin's credentials would mine the others and
 * never switch to it, one without its queue would lose that coin's shares.
 */
export function switchingSettingsFromEnv(env: Environment): SwitchingSettings {
  const e = parseEnv(switchingEnvSchema, env, 'switching container');
  const parsed = readConfig(e);
  const port = parsed.switching.find((p) => p.name === e.POOL_SWITCHING);
  if (!port) {
    const known = parsed.switching.map((p) => p.name).join(', ') || 'none';
    throw new ConfigError(
      `POOL_SWITCHING ${e.POOL_SWITCHING} is not a switching port of the config (it has: ${known})`,
    );
  }
  const daemonCoins = port.coins.flatMap((c) => [c, ...auxCoinsOf(parsed, c).map((a) => a.symbol)]);
  const config = resolveDaemonCredentials(parsed, auxDaemonEnv(env, daemonCoins));
  const unset: string[] = [];
  const coins = port.coins.map((symbol) => {
    const names = switchingCoinVariables(symbol);
    const value = (name: string) => {
      if (!env[name]) unset.push(name);
      return env[name] ?? '';
    };
    return { symbol, queueUrl: value(names.queueUrl), statsTable: value(names.statsTable) };
  });
  unset.push(...config.coins.filter((c) => daemonCoins.includes(c.symbol)).flatMap(unresolvedRelativeMarkers));
  if (unset.length > 0) {
    const issues = unset.map((name) => `${name}: is not set`);
    throw new ConfigError(
      `switching container environment is invalid (port ${port.name} mines ${daemonCoins.join(', ')}):\n  - ${issues.join('\n  - ')}`,
      issues,
    );
  }
  return { ...taskSettings(e, config), port: port.name, coins };
}

function readConfig(e: { POOL_CONFIG_JSON?: string; POOL_CONFIG?: string }): Readonly<PoolConfig> {
  const text = e.POOL_CONFIG_JSON ?? readFileSync(e.POOL_CONFIG!, 'utf8');
  return parseConfigText(text, e.POOL_CONFIG ?? 'POOL_CONFIG_JSON');
}

function taskSettings(e: ContainerEnv | SwitchingEnv, config: Readonly<PoolConfig>): TaskSettings {
  return {
    config,
    spoolDir: e.POOL_SPOOL_DIR,
    opsPort: e.OPS_PORT,
    // A stratum process forked by the task's primary (fargate/src/main.ts) takes the task's identity.
    instanceId: e.POOL_INSTANCE_ID ?? `${hostname()}-${randomBytes(4).toString('hex')}`,
    ...(e.POOL_INSTANCE_PREFIX && { instancePrefix: e.POOL_INSTANCE_PREFIX }),
    processes: e.POOL_STRATUM_PROCESSES,
    ...(e.POOL_STRATUM_PROCESS !== undefined && { processIndex: e.POOL_STRATUM_PROCESS }),
    ...(e.POOL_BLOCKNOTIFY_TOKEN && { blockNotifyToken: e.POOL_BLOCKNOTIFY_TOKEN }),
    logLevel: e.LOG_LEVEL,
  };
}
