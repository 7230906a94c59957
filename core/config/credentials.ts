import { ConfigError } from '../errors.js';
import { parseConfig } from './load.js';
import type { PoolConfig } from './schema.js';

/**
 * Markers that stand for daemon RPC credentials in a config that must not carry them (the container config in a
 * CloudFormation template). ECS injects the values from Secrets Manager as environment variables of the same names.
 */
export const DAEMON_USER_MARKER = '$POOL_DAEMON_USER';
export const DAEMON_PASSWORD_MARKER = '$POOL_DAEMON_PASSWORD';

/** Replaces the markers with the values of POOL_DAEMON_USER / POOL_DAEMON_PASSWORD; fails if one is unset. */
export function resolveDaemonCredentials(config: Readonly<PoolConfig>, env: NodeJS.ProcessEnv): Readonly<PoolConfig> {
  const lookup = (value: string): string => {
    if (value !== DAEMON_USER_MARKER && value !== DAEMON_PASSWORD_MARKER) return value;
    const name = value.slice(1);
    const resolved = env[name];
    if (!resolved)
      throw new ConfigError(`the config refers to ${value} but the environment variable ${name} is not set`);
    return resolved;
  };
  return parseConfig({
    ...config,
    coins: config.coins.map((c) => ({
      ...c,
      daemons: c.daemons.map((d) => ({ ...d, user: lookup(d.user), password: lookup(d.password) })),
    })),
  });
}
