import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolveDaemonCredentials } from '../../core/config/credentials.js';
import { parseConfigText } from '../../core/config/load.js';
import type { PoolConfig } from '../../core/config/schema.js';
import { ConfigError } from '../../core/errors.js';

export interface ContainerSettings {
  config: Readonly<PoolConfig>;
  coin: string;
  queueUrl: string;
  spoolDir: string;
  opsPort: number;
  /** The coin's stats table: the process reports live counts there (adapters/aws/dynamo-live-stats.ts); optional. */
  statsTable?: string;
  /** Unique per task: prefixes batch ids, owns the task's extranonce1 prefix lease. */
  instanceId: string;
  /** A stratum process's extranonce1 prefix, leased by its primary (fargate/src/task-prefix.ts); unset in the primary. */
  instancePrefix?: string;
}

/**
 * Reads the container's environment (set by infra/constructs/stratum-service.ts): the pool config as JSON
 * (POOL_CONFIG_JSON) or a file (POOL_CONFIG), its one coin (POOL_COIN), the share queue (SHARE_QUEUE_URL), the
 * coin's stats table for live counts (STATS_TABLE, optional), and daemon credentials (POOL_DAEMON_USER / POOL_DAEMON_PASSWORD, from Secrets Manager).
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv): ContainerSettings {
  const missing = ['POOL_COIN', 'SHARE_QUEUE_URL'].filter((k) => !env[k]);
  if (!env.POOL_CONFIG_JSON && !env.POOL_CONFIG) missing.push('POOL_CONFIG_JSON or POOL_CONFIG');
  if (missing.length > 0) throw new ConfigError(`missing environment: ${missing.join(', ')}`);
  const text = env.POOL_CONFIG_JSON ?? readFileSync(env.POOL_CONFIG!, 'utf8');
  const config = resolveDaemonCredentials(parseConfigText(text, env.POOL_CONFIG ?? 'POOL_CONFIG_JSON'), env);
  const coin = env.POOL_COIN!.toUpperCase();
  if (!config.coins.some((c) => c.symbol === coin)) throw new ConfigError(`POOL_COIN ${coin} is not in the config`);
  return {
    config,
    coin,
    queueUrl: env.SHARE_QUEUE_URL!,
    spoolDir: env.POOL_SPOOL_DIR ?? '/var/spool/edgepool',
    opsPort: Number(env.OPS_PORT ?? 9100),
    ...(env.STATS_TABLE && { statsTable: env.STATS_TABLE }),
    // A stratum process forked by the task's primary (fargate/src/main.ts) takes the task's identity.
    instanceId: env.POOL_INSTANCE_ID ?? `${hostname()}-${randomBytes(4).toString('hex')}`,
    ...(env.POOL_INSTANCE_PREFIX && { instancePrefix: env.POOL_INSTANCE_PREFIX }),
  };
}
