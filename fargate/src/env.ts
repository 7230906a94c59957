import { z } from 'zod';
import { relativeDaemonMarkers } from '../../core/config/credentials.js';
import type { Environment } from '../../core/config/env.js';

/** A variable the container cannot start without. */
const required = z.string({ error: 'is not set' }).min(1, 'is not set');
/** An optional variable; set to the empty string it counts as unset (as ECS and shells leave some). */
const optional = z
  .string()
  .optional()
  .transform((v) => v || undefined);
/** A whole number in [min, max], written in decimal. */
const whole = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);
};

/**
 * The stratum container's environment, read once at start (fargate/src/container.ts settingsFromEnv, through
 * core/config/env.ts parseEnv). infra/constructs/stratum-service.ts sets it, and its synth check parses the task
 * definition's environment with this schema, as PoolFunction does for the Lambdas.
 */
export const containerEnvSchema = taskEnv({
  /** The one coin the task serves (any case). */
  POOL_COIN: required.transform((s) => s.toUpperCase()),
  SHARE_QUEUE_URL: required,
  /** The coin's stats table: live counts, bans and the extranonce1 prefix lease go there; optional. */
  STATS_TABLE: optional,
});

/**
 * A switching task's environment (issue 17): POOL_SWITCHING names the port of the config it serves; each of its coins'
 * share queue and stats table are POOL_<SYMBOL>_SHARE_QUEUE_URL / _STATS_TABLE (switchingCoinVariables), read for
 * the port's coins by fargate/src/container.ts, as the aux coins' credentials are.
 */
export const switchingEnvSchema = taskEnv({
  /** The switching port the task serves (`switching[].name`). */
  POOL_SWITCHING: required,
});

/** What a task serves (`own`), then what every stratum task reads; the config as JSON or as a file. */
function taskEnv<S extends z.ZodRawShape>(own: S) {
  return z
    .object({
      ...own,
      /** The pool config as JSON (what the CDK app sets: daemon credentials as markers)… */
      POOL_CONFIG_JSON: optional,
      /** …or the path of a config file. */
      POOL_CONFIG: optional,
      /** The daemons' RPC credentials that replace the config's markers (ECS injects them from Secrets Manager). */
      POOL_DAEMON_USER: optional,
      POOL_DAEMON_PASSWORD: optional,
      /** The task's volume; each stratum process spools under `<dir>/<coin>/p<i>`. */
      POOL_SPOOL_DIR: optional.transform((v) => v ?? '/var/spool/edgepool'),
      /** /health, /metrics and blocknotify (infra/pool-config.ts OPS_PORT, what the NLB's health check asks). */
      OPS_PORT: whole(1, 65_535).default(9100),
      /** Stratum processes of the task: one per vCPU (the CDK app sets it from the task size); default 1. */
      POOL_STRATUM_PROCESSES: whole(1, 64).default(1),
      /** Token a caller of POST /blocknotify must present; without one, loopback callers only. */
      POOL_BLOCKNOTIFY_TOKEN: optional,
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      // Set by the task's primary for the stratum processes it forks (fargate/src/main.ts), never by the CDK app.
      /** This process's lane of the task's extranonce1 values. */
      POOL_STRATUM_PROCESS: whole(0, 63).optional(),
      /** The task's identity and its leased extranonce1 prefix. */
      POOL_INSTANCE_ID: optional,
      POOL_INSTANCE_PREFIX: optional,
    })
    .refine(
      (e) => {
        const given = e as { POOL_CONFIG_JSON?: string; POOL_CONFIG?: string };
        return Boolean(given.POOL_CONFIG_JSON || given.POOL_CONFIG);
      },
      {
        message: 'is not set',
        path: ['POOL_CONFIG_JSON or POOL_CONFIG'],
        // Checked also when another variable is missing, so one error names every missing variable.
        when: () => true,
      },
    );
}

export type ContainerEnv = z.output<typeof containerEnvSchema>;
export type SwitchingEnv = z.output<typeof switchingEnvSchema>;

/** A switching task's variables for one of its coins (the CDK app sets them from the coin's stack). */
export function switchingCoinVariables(symbol: string): { queueUrl: string; statsTable: string } {
  return { queueUrl: `POOL_${symbol}_SHARE_QUEUE_URL`, statsTable: `POOL_${symbol}_STATS_TABLE` };
}

/**
 * Merged mining: the RPC credentials of each aux coin's daemons, `POOL_<SYMBOL>_DAEMON_USER` / `_PASSWORD`
 * (core/config/credentials.ts relativeDaemonMarkers; ECS injects them from the aux coin's DaemonRpc secret). Their
 * names depend on the config, so they are read here for the aux coins the config gives POOL_COIN, not in the schema;
 * an empty one counts as unset, as in the schema.
 */
export function auxDaemonEnv(env: Environment, auxSymbols: readonly string[]): Record<string, string> {
  const names = auxSymbols.flatMap((symbol) => {
    const markers = relativeDaemonMarkers(symbol);
    return [markers.user.slice(1), markers.password.slice(1)];
  });
  return Object.fromEntries(names.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
}
