import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type App, type Environment, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { accountCoins } from '../app/accounts/coins.js';
import { publicConversion, publicPool, publicSwitching } from '../app/stats/public.js';
import { auxCoinsOf, isMergedCoin, minedCoins, roundsCoinOf } from '../core/config/merged.js';
import type { ChainFamilies } from '../families/registry.js';
import type { TableSpec } from './constructs/pool-tables.js';
import { type LoadedInputs, REPO_ROOT, refuseInlineSecrets } from './pool-config.js';
import { STAGES } from './settings.js';
import { AccountsStack } from './stacks/accounts-stack.js';
import { AlertsStack } from './stacks/alerts-stack.js';
import { ApiStack } from './stacks/api-stack.js';
import { AuxCoinStack, AuxMoneyStack } from './stacks/aux-coin-stack.js';
import { CoinStack } from './stacks/coin-stack.js';
import { NetworkStack } from './stacks/network-stack.js';
import { SwitchingStack } from './stacks/switching-stack.js';
import { COIN_TABLES, poolPrefix } from './tables.js';

/** Lambda handlers, relative to the repository root. */
export const DEFAULT_ENTRIES = {
  ingest: 'lambdas/ingest/handler.ts',
  confirm: 'lambdas/confirm/handler.ts',
  payouts: 'lambdas/payouts/handler.ts',
  convert: 'lambdas/convert/handler.ts',
  targetPayouts: 'lambdas/payouts/target-handler.ts',
  stats: 'lambdas/stats/handler.ts',
  /** Miner accounts (issue 19), only when the pool config has `accounts`. */
  accounts: 'lambdas/accounts/handler.ts',
  notify: 'lambdas/notify/handler.ts',
  /** Only with deploy settings `alerts.telegramChatId`. */
  alarmRelay: 'lambdas/alarm-relay/handler.ts',
};

export interface BuildOptions {
  entries?: Partial<typeof DEFAULT_ENTRIES>;
  tableSpecs?: readonly TableSpec[];
  /** cdk-nag AwsSolutions checks; on by default so no finding slips into a deploy. */
  nag?: boolean;
  /** The built dashboard (web/dist) to deploy with the API stack; none: the site bucket is filled by hand. */
  siteDir?: string;
  /** Where each coin's chain family is found (default: the pool's registry, families/registry.ts). */
  families?: ChainFamilies;
}

export interface PoolStacks {
  network: NetworkStack;
  alerts: AlertsStack;
  /** The mined coins' stacks. */
  coins: CoinStack[];
  /** Merge-mined coins: their tables and secrets, and their money Lambdas (over the parent's rounds). */
  auxCoins: AuxCoinStack[];
  auxMoney: AuxMoneyStack[];
  /** A stratum service per switching port (issue 17), after its coins' stacks. */
  switching: SwitchingStack[];
  /** Absent until the stats Lambda exists. */
  api?: ApiStack;
  /** Miner accounts (issue 19): present when the pool config has `accounts`. */
  accounts?: AccountsStack;
}

/**
 * The whole pool as stacks: shared network and alerts, one isolated stack per coin, the API + dashboard.
 * Environment-agnostic unless the deploy settings name an account and region, so `cdk synth` needs no credentials.
 */
export function buildPoolApp(app: App, inputs: LoadedInputs, options: BuildOptions = {}): PoolStacks {
  const { config, settings } = inputs;
  refuseInlineSecrets(config);
  const entries = { ...DEFAULT_ENTRIES, ...options.entries };
  const stage = STAGES[settings.stage];
  const env: Environment = { account: settings.account, region: settings.region };
  const prefix = poolPrefix(settings);

  const network = new NetworkStack(app, `${prefix}-network`, {
    env,
    description: 'Pool network: VPC, endpoints, ECS cluster',
    natGateways: stage.natGateways,
    interfaceEndpoints: settings.vpc.interfaceEndpoints,
    logRetention: stage.logRetention,
  });
  const alerts = new AlertsStack(app, `${prefix}-alerts`, {
    env,
    description: 'Pool alarm topic',
    emails: [...(settings.alarmEmail ? [settings.alarmEmail] : []), ...settings.alerts.emails],
    ...(settings.alerts.telegramChatId && {
      telegram: { chatId: settings.alerts.telegramChatId, entry: entries.alarmRelay, logRetention: stage.logRetention },
    }),
  });

  // Conversion targets the pool also mines are built first: converting coins credit those coins' ledgers.
  const targets = new Set<string>(config.coins.flatMap((c) => c.conversion?.targets.map((t) => t.currency) ?? []));
  const ordered = [...config.coins].sort((a, b) => Number(targets.has(b.symbol)) - Number(targets.has(a.symbol)));
  // Merge-mined coins first: their tables and secrets, which their parent's ingest and stratum use.
  const auxCoins = new Map<string, AuxCoinStack>();
  for (const coin of config.coins.filter(isMergedCoin)) {
    auxCoins.set(
      coin.symbol,
      new AuxCoinStack(app, `${prefix}-coin-${coin.symbol.toLowerCase()}`, {
        env,
        description: `${coin.symbol} pool (merge-mined with ${coin.mergedWith}): tables, secrets`,
        coin,
        settings,
        tableSpecs: options.tableSpecs ?? COIN_TABLES,
      }),
    );
  }
  const built = new Map<string, CoinStack>();
  for (const coin of ordered.filter((c) => !isMergedCoin(c))) {
    built.set(
      coin.symbol,
      new CoinStack(app, `${prefix}-coin-${coin.symbol.toLowerCase()}`, {
        env,
        description: `${coin.symbol} pool: stratum, share queue, tables, Lambdas, secrets`,
        config,
        coin,
        settings,
        vpc: network.vpc,
        cluster: network.cluster,
        alarmTopic: alerts.topic,
        tableSpecs: options.tableSpecs ?? COIN_TABLES,
        ...(options.families && { families: options.families }),
        auxCoins: auxCoinsOf(config, coin.symbol).map((a) => auxCoins.get(a.symbol)!),
        entries: {
          ingest: entries.ingest,
          confirm: entries.confirm,
          payouts: entries.payouts,
          convert: entries.convert,
          targetPayouts: entries.targetPayouts,
        },
        targetLedgers: Object.fromEntries(
          [...built].flatMap(([symbol, stack]) => (targets.has(symbol) ? [[symbol, stack.tables.get('ledger')]] : [])),
        ),
      }),
    );
  }
  const coins = minedCoins(config).map((c) => built.get(c.symbol)!);
  // A merge-mined coin's money reads its parent's rounds: after both stacks.
  const auxMoney = config.coins.filter(isMergedCoin).map(
    (coin) =>
      new AuxMoneyStack(app, `${prefix}-coin-${coin.symbol.toLowerCase()}-money`, {
        env,
        description: `${coin.symbol} pool: confirmation and payouts over ${coin.mergedWith}'s rounds`,
        config,
        coin,
        settings,
        aux: auxCoins.get(coin.symbol)!,
        parentShares: built.get(roundsCoinOf(coin))!.tables.get('shares'),
        vpc: network.vpc,
        alarmTopic: alerts.topic,
        entries: { confirm: entries.confirm, payouts: entries.payouts },
        ...(options.families && { families: options.families }),
      }),
  );

  // Switching ports (issue 17): each its own NLB and tasks over its coins' queues, tables and secrets (after them).
  const switching = config.switching.map(
    (port) =>
      new SwitchingStack(app, `${prefix}-switching-${port.name}`, {
        env,
        description: `Switching port ${port.name} (${port.coins.join(', ')}): stratum NLB and tasks`,
        config,
        port,
        settings,
        vpc: network.vpc,
        cluster: network.cluster,
        coins: port.coins.map((c) => built.get(c)!),
        auxCoins: port.coins.flatMap((c) => auxCoinsOf(config, c).map((a) => auxCoins.get(a.symbol)!)),
        ...(options.families && { families: options.families }),
      }),
  );

  const coinTables = Object.fromEntries(
    [...coins, ...auxCoins.values()].map((c) => [c.symbol, c.tables.tables] as const),
  );
  const conversions = Object.fromEntries(
    config.coins.flatMap((c) => (c.conversion ? [[c.symbol, publicConversion(c.conversion)]] : [])),
  );
  const shownPool = publicPool(
    inputs.config,
    Object.fromEntries(coins.map((c) => [c.symbol, c.stratum.loadBalancer.loadBalancerDnsName])),
  );
  // Miner accounts: pool-wide, after the coins whose tables their views read; no coin stack depends on it.
  const accounts =
    config.accounts &&
    new AccountsStack(app, `${prefix}-accounts`, {
      env,
      description: 'Miner accounts: Cognito user pool, account API, notifications',
      accounts: config.accounts,
      settings,
      prefix,
      poolName: config.pool.name,
      coinTables,
      publicPool: shownPool,
      conversions,
      accountCoins: accountCoins(config),
      auxChains: config.auxChains,
      alarmTopic: alerts.topic,
      entries: { accounts: entries.accounts, notify: entries.notify },
    });

  // The API grows with the stats Lambda: until its handler exists there is nothing to serve.
  let api: ApiStack | undefined;
  if (existsSync(resolve(REPO_ROOT, entries.stats))) {
    api = new ApiStack(app, `${prefix}-api`, {
      env,
      description: 'Pool stats API and dashboard',
      settings,
      statsEntry: entries.stats,
      coinTables,
      publicPool: shownPool,
      ...(accounts && { accountsApi: { domain: accounts.apiDomain, originSecret: accounts.originSecret } }),
      ...(options.siteDir && { siteDir: options.siteDir }),
      conversions,
      auxCoins: [...auxCoins.keys()],
      switching: publicSwitching(
        config,
        Object.fromEntries(
          switching.map((st, i) => [config.switching[i]!.name, st.stratum.loadBalancer.loadBalancerDnsName]),
        ),
      ),
      auxChains: config.auxChains,
    });
  }

  const stacks = [
    network,
    alerts,
    ...auxCoins.values(),
    ...coins,
    ...auxMoney,
    ...switching,
    ...(accounts ? [accounts] : []),
    ...(api ? [api] : []),
  ];
  for (const stack of stacks) {
    Tags.of(stack).add('pool', settings.name);
    Tags.of(stack).add('stage', settings.stage);
  }
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return {
    network,
    alerts,
    coins,
    auxCoins: [...auxCoins.values()],
    auxMoney,
    switching,
    api,
    ...(accounts && { accounts }),
  };
}
