import { ConfigError } from '../errors.js';
import { formatPath, parseConfig } from './load.js';
import type { CoinConfig, PoolConfig } from './schema.js';

/**
 * Markers that stand for daemon RPC credentials in a config that must not carry them (the container config in a
 * CloudFormation template). ECS injects the values from Secrets Manager as environment variables of the same names.
 */
export const DAEMON_USER_MARKER = '$POOL_DAEMON_USER';
export const DAEMON_PASSWORD_MARKER = '$POOL_DAEMON_PASSWORD';

/**
 * Merged mining: a coin's container config also names its merged relatives (its parent, or its aux coins:
 * core/config/merged.ts), whose daemons take their own credentials, `$POOL_<SYMBOL>_DAEMON_USER` / `_PASSWORD` (the
 * parent's stratum task gets them from each aux coin's daemon secret).
 */
export function relativeDaemonMarkers(symbol: string): { user: string; password: string } {
  return { user: `$POOL_${symbol}_DAEMON_USER`, password: `$POOL_${symbol}_DAEMON_PASSWORD` };
}
const RELATIVE_MARKER = /^\$POOL_[A-Z0-9]+_DAEMON_(USER|PASSWORD)$/;

/**
 * The environment variables a coin's daemons still name by a merged relative's marker after
 * resolveDaemonCredentials (none when every one was given): a stratum task that mines an aux coin refuses to start
 * with one left, since a node given a marker for credentials would refuse every call and the coin never be merged.
 */
export function unresolvedRelativeMarkers(coin: Readonly<CoinConfig>): string[] {
  const values = coin.daemons.flatMap((d) => [d.user, d.password]).filter((v) => RELATIVE_MARKER.test(v));
  return [...new Set(values.map((v) => v.slice(1)))];
}

/**
 * Replaces the markers with the values of POOL_DAEMON_USER / POOL_DAEMON_PASSWORD; fails if one is unset. A merged
 * relative's markers are replaced when their variables are set, else kept: a money Lambda of an aux coin never talks
 * to its parent's nodes, and a relative's node that gets a marker for credentials refuses it by name.
 */
export function resolveDaemonCredentials(config: Readonly<PoolConfig>, env: NodeJS.ProcessEnv): Readonly<PoolConfig> {
  const lookup = (value: string): string => {
    if (RELATIVE_MARKER.test(value)) return env[value.slice(1)] || value;
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

/**
 * Where a pool config holds a secret, one entry per value: `aws` says what the CDK app does with it — `marker`: the
 * schema requires it and the app replaces it by a marker (the runtime reads the real one from Secrets Manager);
 * `refuse`: it may be inline for local mode only, and the CDK app refuses it (`instead` says what to set).
 * `pool config check` masks them all.
 */
export interface InlineSecret {
  path: readonly (string | number)[];
  aws: 'marker' | 'refuse';
  instead: string;
}

/** Every secret value of a config (daemon and wallet credentials, exchange API keys, EVM keys, URL passwords). */
export function inlineSecrets(config: Readonly<PoolConfig>): InlineSecret[] {
  const out: InlineSecret[] = [];
  const daemon = (
    at: (string | number)[],
    d: { url: string; user: string; password: string },
    aws: InlineSecret['aws'],
    instead: string,
  ) => {
    // http://user:password@host puts the credentials where no marker replaces them.
    if (URL.canParse(d.url) && (new URL(d.url).username || new URL(d.url).password))
      out.push({ path: [...at, 'url'], aws: 'refuse', instead: `no credentials in the URL: ${instead}` });
    for (const key of ['user', 'password'] as const) {
      if (d[key] === DAEMON_USER_MARKER || d[key] === DAEMON_PASSWORD_MARKER) continue;
      out.push({ path: [...at, key], aws, instead });
    }
  };
  config.coins.forEach((coin, i) => {
    for (const [j, d] of coin.daemons.entries())
      daemon(['coins', i, 'daemons', j], d, 'marker', `the coin stack's DaemonRpc secret holds them in AWS`);
    if (coin.payouts?.walletPassphrase)
      out.push({
        path: ['coins', i, 'payouts', 'walletPassphrase'],
        aws: 'refuse',
        instead: `put the wallet's passphrase in the coin stack's PayoutWallet secret (only the payouts Lambda reads it)`,
      });
    if (coin.payouts?.privateKey)
      out.push({
        path: ['coins', i, 'payouts', 'privateKey'],
        aws: 'refuse',
        instead: `payouts.privateKey is for local mode: put the key in the coin stack's PayoutWallet secret (only the payouts Lambda reads it)`,
      });
    // Proxy mining: "x" (the schema's default) and "" are what pools that ignore the password are sent, no secret.
    coin.proxy?.upstreams.forEach((u, j) => {
      if (u.password === 'x' || u.password === '') return;
      out.push({
        path: ['coins', i, 'proxy', 'upstreams', j, 'password'],
        aws: 'refuse',
        instead:
          'the CDK app deploys no upstream password (it would be readable in the task definition): use an upstream account whose password is "x", or proxy from local mode',
      });
    });
    const conversion = coin.conversion;
    if (!conversion) return;
    conversion.exchanges.forEach((x, j) => {
      const at = ['coins', i, 'conversion', 'exchanges', j];
      for (const key of Object.keys(x.credentials ?? {}))
        out.push({
          path: [...at, 'credentials', key],
          aws: 'refuse',
          instead: `put the API keys in Secrets Manager and set ${formatPath([...at, 'secretArn'])}`,
        });
    });
    conversion.targets.forEach((t, j) => {
      const at = ['coins', i, 'conversion', 'targets', j, 'payouts'];
      const p = t.payouts;
      if (p?.kind === 'evm' && p.privateKey)
        out.push({
          path: [...at, 'privateKey'],
          aws: 'refuse',
          instead: `payouts.privateKey is for local mode: put the key in Secrets Manager and set ${formatPath([...at, 'secretArn'])}`,
        });
      if (p?.kind === 'wallet-rpc')
        daemon(
          [...at, 'daemon'],
          p.daemon,
          p.secretArn ? 'marker' : 'refuse',
          `set ${formatPath([...at, 'secretArn'])} (the wallet daemon's {"user","password"})`,
        );
    });
  });
  return out;
}

/**
 * The payouts field the coin stack's PayoutWallet secret fills, read by the payouts Lambda only (never in the
 * template): the pool key of a coin whose payouts are signed with it (Ethereum family: payouts.contract), the
 * passphrase of btcwallet; none for a wallet that sends on its own.
 */
export function payoutSecretField(coin: Readonly<CoinConfig>): 'privateKey' | 'walletPassphrase' | undefined {
  if (coin.payouts?.contract !== undefined) return 'privateKey';
  if (coin.payouts?.walletRpc === 'btcwallet') return 'walletPassphrase';
  return undefined;
}

/** A copy of the config with every secret value replaced by `mask` (what `pool config check` prints). */
export function maskSecrets<T extends Readonly<PoolConfig>>(config: T, mask = '***'): T {
  const copy = structuredClone(config) as T;
  for (const { path } of inlineSecrets(config)) {
    let parent = copy as unknown as Record<string | number, unknown>;
    for (const part of path.slice(0, -1)) parent = parent[part] as Record<string | number, unknown>;
    const key = path.at(-1)!;
    const value = String(parent[key]);
    parent[key] = key === 'url' ? maskUrl(value, mask) : mask;
  }
  return copy;
}

function maskUrl(url: string, mask: string): string {
  const u = new URL(url);
  if (u.username) u.username = mask;
  if (u.password) u.password = mask;
  return u.toString();
}
