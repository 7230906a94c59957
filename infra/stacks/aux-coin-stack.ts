import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { CoinConfig, PoolConfig } from '../../core/config/schema.js';
import { CHAIN_FAMILIES, type ChainFamilies } from '../../families/registry.js';
import { MoneyAlarms } from '../constructs/coin-alarms.js';
import { CoinMoney } from '../constructs/coin-money.js';
import { CoinSecrets } from '../constructs/coin-secrets.js';
import type { PoolFunction } from '../constructs/pool-function.js';
import { type PoolTable, PoolTables, type TableSpec } from '../constructs/pool-tables.js';
import { coinSizing, type DeploySettings, STAGES } from '../settings.js';
import { accountsTableFor } from '../tables.js';

/**
 * The tables of a merge-mined coin (`mergedWith`): blocks and ledger only. It has no shares or stats of its own: its
 * blocks are found by the parent's shares (counted in the parent's shares table, shown from the parent's stats), so
 * a stats table would stay empty.
 */
export const AUX_COIN_TABLES = ['blocks', 'ledger'] as const;

export interface AuxCoinStackProps extends StackProps {
  coin: Readonly<CoinConfig>;
  settings: DeploySettings;
  tableSpecs: readonly TableSpec[];
}

/**
 * What a merge-mined coin (DOGE with LTC) owns: its blocks and ledger tables and its secrets (its nodes' RPC
 * credentials, its payout wallet's). No stratum service, NLB, share queue or ingest: the parent's stratum commits to
 * its work and submits its blocks, the parent's ingest records them here (granted by the parent's stack, which
 * depends on this one). Its money Lambdas read the parent's rounds, so they are in AuxMoneyStack, after both.
 */
export class AuxCoinStack extends Stack {
  readonly symbol: string;
  readonly tables: PoolTables;
  readonly secrets: CoinSecrets;

  constructor(scope: Construct, id: string, props: AuxCoinStackProps) {
    super(scope, id, props);
    const stage = STAGES[props.settings.stage];
    this.symbol = props.coin.symbol;
    this.secrets = new CoinSecrets(this, 'Secrets', { symbol: props.coin.symbol, removalPolicy: stage.removalPolicy });
    this.tables = new PoolTables(this, 'Tables', {
      specs: props.tableSpecs.filter((t) => (AUX_COIN_TABLES as readonly string[]).includes(t.name)),
      removalPolicy: stage.removalPolicy,
      deletionProtection: stage.deletionProtection,
    });
    new CfnOutput(this, 'DaemonRpcSecretArn', {
      description: 'Put {"user","password"} of the aux coin daemons here',
      value: this.secrets.daemonRpc.secretArn,
    });
    new CfnOutput(this, 'PayoutWalletSecretArn', { value: this.secrets.payoutWallet.secretArn });
  }
}

export interface AuxMoneyStackProps extends StackProps {
  config: Readonly<PoolConfig>;
  coin: Readonly<CoinConfig>;
  settings: DeploySettings;
  /** The aux coin's tables and secrets. */
  aux: AuxCoinStack;
  /** The parent's shares table (the parent coin's stack): the rounds that pay the aux coin's blocks, read only. */
  parentShares: PoolTable;
  vpc: IVpc;
  entries: { confirm: string; payouts: string };
  families?: ChainFamilies;
  /** The pool's alarm topic (the alerts stack): the coin's money alarms go there, as a mined coin's do. */
  alarmTopic: ITopic;
}

/**
 * A merge-mined coin's confirmation and payouts Lambdas (infra/constructs/coin-money.ts): its blocks and ledger
 * (AuxCoinStack), its nodes and wallet, and the parent's shares table read only. A stack of its own because it
 * depends on both the aux coin's stack and the parent's, and the parent's depends on the aux coin's.
 */
export class AuxMoneyStack extends Stack {
  readonly confirm?: PoolFunction;
  readonly payouts?: PoolFunction;

  constructor(scope: Construct, id: string, props: AuxMoneyStackProps) {
    super(scope, id, props);
    const stage = STAGES[props.settings.stage];
    const family = (props.families ?? CHAIN_FAMILIES).forCoin(props.coin);
    const money = new CoinMoney(this, 'Money', {
      config: props.config,
      coin: props.coin,
      deployment: family.deployment,
      secrets: props.aux.secrets,
      blocks: props.aux.tables.get('blocks'),
      ledger: props.aux.tables.get('ledger'),
      shares: props.parentShares,
      vpc: props.vpc,
      entries: props.entries,
      logRetention: stage.logRetention,
      timeout: Duration.minutes(5),
      accountsTable: accountsTableFor(props.config, props.settings),
    });
    this.confirm = money.confirm;
    this.payouts = money.payouts;
    // Its Lambdas' errors, suspended payouts, no block for too long (its BlocksFound come from the parent's ingest).
    new MoneyAlarms(this, 'Alarms', {
      symbol: props.coin.symbol,
      topic: props.alarmTopic,
      functions: [...(this.confirm ? [this.confirm] : []), ...(this.payouts ? [this.payouts] : [])],
      noBlockAlarmHours: coinSizing(props.settings, props.coin.symbol).noBlockAlarmHours,
    });
  }
}
