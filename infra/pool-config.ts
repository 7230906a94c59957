import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPath, parseConfig, parseConfigText } from '../core/config/load.js';
import type { CoinConfig, PoolConfig } from '../core/config/schema.js';
import { ConfigError } from '../core/errors.js';
import { type DeploySettings, parseDeploySettings } from './settings.js';

/** Repository root: asset paths (Dockerfile context, Lambda entries) are resolved from here, not from the cwd. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const EXAMPLE_CONFIG = resolve(REPO_ROOT, 'infra/example.pool.config.json');
const DEFAULT_CONFIG = 'pool.config.json';
const DEFAULT_DEPLOY = 'deploy.json';

/** Port of the container's ops server (/health for the NLB health checks, /metrics). */
export const OPS_PORT = 9100;

// The passwords in the pool config are for local mode only and must never reach a template: the container config
// carries markers the container replaces with the credentials ECS injects from Secrets Manager.
import {
  DAEMON_PASSWORD_MARKER,
  DAEMON_USER_MARKER,
  inlineSecrets,
  relativeDaemonMarkers,
} from '../core/config/credentials.js';
import { auxCoinsOf } from '../core/config/merged.js';
import { foreignPayoutCurrencies } from '../core/conversion/exclusion.js';

export { DAEMON_PASSWORD_MARKER, DAEMON_USER_MARKER };

export interface LoadedInputs {
  config: Readonly<PoolConfig>;
  configPath: string;
  settings: DeploySettings;
}

type ContextReader = (key: string) => unknown;

/**
 * Reads the pool config (`-c config=path`, default ./pool.config.json, else the example) and the deploy settings
 * (`-c deploy=path`, default ./deploy.json if present; `-c stage=prod` overrides the stage).
 */
export function loadInputs(context: ContextReader, cwd = process.cwd()): LoadedInputs {
  const configArg = context('config');
  let configPath: string;
  if (typeof configArg === 'string') configPath = resolve(cwd, configArg);
  else if (existsSync(resolve(cwd, DEFAULT_CONFIG))) configPath = resolve(cwd, DEFAULT_CONFIG);
  else configPath = EXAMPLE_CONFIG;
  if (!existsSync(configPath)) throw new ConfigError(`pool config ${configPath} does not exist`);
  const config = parseConfigText(readFileSync(configPath, 'utf8'), configPath);

  const deployArg = context('deploy');
  const deployPath = resolve(cwd, typeof deployArg === 'string' ? deployArg : DEFAULT_DEPLOY);
  let raw: Record<string, unknown> = {};
  if (existsSync(deployPath)) raw = readJson(deployPath);
  else if (typeof deployArg === 'string') throw new ConfigError(`deploy settings ${deployPath} do not exist`);
  for (const key of ['stage', 'account', 'region', 'name'] as const) {
    const v = context(key);
    if (typeof v === 'string') raw[key] = v;
  }
  return { config, configPath, settings: parseDeploySettings(raw, deployPath) };
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Fails the synth on a secret the pool config may hold inline only for local mode (exchange API keys, an EVM key,
 * credentials in a URL, a wallet daemon's without its secretArn): everything in a template is readable by whoever
 * can read the stack, and the public stats Lambda's environment would not be the only place it ends up.
 */
export function refuseInlineSecrets(config: Readonly<PoolConfig>): void {
  const refused = inlineSecrets(config).filter((s) => s.aws === 'refuse');
  if (refused.length === 0) return;
  const issues = refused.map((s) => `${formatPath(s.path)}: ${s.instead}`);
  throw new ConfigError(
    `the pool config holds secrets the CDK app does not deploy (they would be readable in the templates):\n  - ${issues.join('\n  - ')}`,
    issues,
  );
}

const masked = <D extends { user: string; password: string }>(d: D): D => ({
  ...d,
  user: DAEMON_USER_MARKER,
  password: DAEMON_PASSWORD_MARKER,
});

/** A BTC target's wallet daemon: its Lambda reads the credentials from `payouts.secretArn` (coin-stack.ts). */
const maskTarget = (t: NonNullable<CoinConfig['conversion']>['targets'][number]) =>
  t.payouts?.kind === 'wallet-rpc' ? { ...t, payouts: { ...t.payouts, daemon: masked(t.payouts.daemon) } } : t;

type Port = CoinConfig['ports'][number];
type Daemon = CoinConfig['daemons'][number];

/** A port as a task serves it behind the NLB: on all interfaces, TLS stripped (the NLB terminates it). */
const behindNlb = ({ tls: _tls, ...p }: Port) => ({ ...p, host: '0.0.0.0' });

/** A coin as a task's config holds it: its daemons' credentials masked, its ports behind the NLB. */
const served = (c: Readonly<CoinConfig>, mask: (d: Daemon) => Daemon) => ({
  ...c,
  daemons: c.daemons.map(mask),
  ports: c.ports.map(behindNlb),
});

/** The config's aux chain definitions of these coins: one of a coin left out would be refused (merged by none). */
const auxChainsOf = (config: Readonly<PoolConfig>, coins: readonly Readonly<CoinConfig>[]) =>
  config.auxChains.filter((a) => coins.some((c) => c.symbol === a.symbol));

/** A coin's daemons under its own markers, `$POOL_<SYMBOL>_DAEMON_USER` / `_PASSWORD`. */
const ownMarkers = (c: Readonly<CoinConfig>) => (d: Daemon) => ({ ...d, ...relativeDaemonMarkers(c.symbol) });

/**
 * The config one coin's containers run with: only that coin; every port on all interfaces (the task is only
 * reachable through the NLB security group); TLS stripped because the NLB terminates it; PROXY v2 on because
 * the target groups send it; daemon credentials (a BTC target's wallet daemon's too) replaced by markers. Validated again so the container can
 * never be handed a config its own schema rejects.
 */
export function containerConfig(config: Readonly<PoolConfig>, coin: Readonly<CoinConfig>): Readonly<PoolConfig> {
  const { $schema: _schema, ...rest } = config;
  // Merged mining: an aux coin's config names its parent, a parent's its aux coins (its stratum polls their nodes),
  // each relative's daemons with its own markers (relativeDaemonMarkers); a relative's money settings stay out.
  const relatives = coin.mergedWith
    ? config.coins.filter((c) => c.symbol === coin.mergedWith)
    : auxCoinsOf(config, coin.symbol);
  return parseConfig(
    {
      ...rest,
      stratum: { ...config.stratum, proxyProtocol: true },
      // Switching ports name other coins: they run in their own tasks (switchingContainerConfig); the money Lambdas
      // get their foreign-account rule as FOREIGN_PAYOUT_CURRENCIES.
      switching: [],
      auxChains: auxChainsOf(config, [coin, ...relatives]),
      coins: [
        {
          ...served(coin, masked),
          ...(coin.conversion
            ? { conversion: { ...coin.conversion, targets: coin.conversion.targets.map(maskTarget) } }
            : {}),
        },
        ...relatives.map(({ conversion: _c, payouts: _p, ...r }) => served(r, ownMarkers(r))),
      ],
    },
    `container config for ${coin.symbol}`,
  );
}

/**
 * The config a switching port's task runs with (issue 17, POOL_SWITCHING): the port alone, its ports behind the NLB
 * (PROXY v2 on); its coins, the aux coins they merge and its payout currency's coin, without payouts (the task
 * listens only on the port's ports, not on the coins' own); every coin's daemons under its own markers (`$POOL_<SYMBOL>_DAEMON_USER`,
 * injected from each coin's DaemonRpc secret); conversions kept with their targets' daemons masked (the config
 * refuses a port whose coins do not convert to its payout currency). Validated again, as containerConfig is.
 */
export function switchingContainerConfig(
  config: Readonly<PoolConfig>,
  port: Readonly<PoolConfig['switching'][number]>,
): Readonly<PoolConfig> {
  const { $schema: _schema, ...rest } = config;
  const symbols = new Set([
    ...port.coins.flatMap((c) => [c, ...auxCoinsOf(config, c).map((a) => a.symbol)]),
    ...(port.payoutCurrency ? [port.payoutCurrency] : []),
  ]);
  return parseConfig(
    {
      ...rest,
      stratum: { ...config.stratum, proxyProtocol: true },
      switching: [{ ...port, ports: port.ports.map(behindNlb) }],
      auxChains: auxChainsOf(
        config,
        config.coins.filter((c) => symbols.has(c.symbol)),
      ),
      coins: config.coins
        .filter((c) => symbols.has(c.symbol))
        .map(({ payouts: _p, ...c }) => ({
          ...served(c, ownMarkers(c)),
          ...(c.conversion && { conversion: { ...c.conversion, targets: c.conversion.targets.map(maskTarget) } }),
        })),
    },
    `container config for switching port ${port.name}`,
  );
}

/**
 * FOREIGN_PAYOUT_CURRENCIES of a coin's payouts and conversion Lambdas (issue 17): the payout currencies of the
 * switching ports mining it, whose addresses on its ledger are never paid there, only converted. Undefined: none.
 */
export function foreignPayoutCurrenciesEnv(config: Readonly<PoolConfig>, coin: string): string | undefined {
  const payouts = foreignPayoutCurrencies(config, coin);
  return payouts.length > 0 ? JSON.stringify(payouts) : undefined;
}

/** The stratum task's config: the container config without `conversion`, which only the money Lambdas use. */
export function stratumConfig(config: Readonly<PoolConfig>, coin: Readonly<CoinConfig>): Readonly<PoolConfig> {
  const { conversion: _conversion, ...stratum } = coin;
  return containerConfig(config, stratum);
}
