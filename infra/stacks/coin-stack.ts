import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import type { ICluster } from 'aws-cdk-lib/aws-ecs';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { AUX_ADDRESS_PK } from '../../adapters/aws/dynamo-aux-address-store.js';
import type { CoinConfig, PoolConfig } from '../../core/config/schema.js';
import { takesDeposits } from '../../core/conversion/deposit.js';
import { ConfigError } from '../../core/errors.js';
import { CHAIN_FAMILIES, type ChainFamilies } from '../../families/registry.js';
import { convertEnvSchema } from '../../lambdas/convert/env.js';
import { ingestEnvSchema } from '../../lambdas/ingest/handler.js';
import { targetPayoutsEnvSchema } from '../../lambdas/payouts/target-handler.js';
import { CoinAlarms } from '../constructs/coin-alarms.js';
import { CoinMoney } from '../constructs/coin-money.js';
import { CoinSecrets } from '../constructs/coin-secrets.js';
import { PoolFunction, type PoolFunctionProps } from '../constructs/pool-function.js';
import {
  grantTable,
  onlyPartitions,
  type PoolTable,
  PoolTables,
  type TableSpec,
  tableEnvVar,
} from '../constructs/pool-tables.js';
import { ShareQueue } from '../constructs/share-queue.js';
import { StratumService } from '../constructs/stratum-service.js';
import { containerConfig, foreignPayoutCurrenciesEnv } from '../pool-config.js';
import { type CoinSettings, coinSizing, type DeploySettings, STAGES } from '../settings.js';
import { accountsTableFor } from '../tables.js';
import type { AuxCoinStack } from './aux-coin-stack.js';

export interface CoinStackProps extends StackProps {
  config: Readonly<PoolConfig>;
  coin: Readonly<CoinConfig>;
  settings: DeploySettings;
  vpc: IVpc;
  cluster: ICluster;
  alarmTopic: ITopic;
  tableSpecs: readonly TableSpec[];
  /** Handler entries relative to the repo root. */
  entries: { ingest: string; confirm: string; payouts: string; convert?: string; targetPayouts?: string };
  /**
   * Ledgers of conversion targets the pool also mines (their coin stacks' ledger tables): proceeds are credited
   * where that coin's payouts pay. A target without one gets a ledger table in this stack.
   */
  targetLedgers?: Readonly<Record<string, PoolTable>>;
  /** Where the coin's chain family is found (default: the pool's registry; tests register their own). */
  families?: ChainFamilies;
  /** The coins merge-mined under this one (their stacks): its ingest records their blocks, its stratum polls their nodes. */
  auxCoins?: readonly AuxCoinStack[];
}

const INGEST_TIMEOUT = Duration.seconds(60);
const MONEY_TIMEOUT = Duration.minutes(5);

/**
 * Everything one coin owns: its stratum service, share queue, tables, Lambdas and secrets. Nothing here is shared
 * with another coin, so a fault or a compromised role in one coin cannot reach another's balances or wallet.
 */
export class CoinStack extends Stack {
  readonly symbol: string;
  readonly tables: PoolTables;
  readonly shareQueue: ShareQueue;
  readonly secrets: CoinSecrets;
  readonly ingest: PoolFunction;
  /** Present when the coin has `rewards`: block confirmation and ledger credits, on a schedule. */
  readonly confirm?: PoolFunction;
  /** Present when the coin has `payouts`: scheduled payouts through the pool wallet. */
  readonly payouts?: PoolFunction;
  /** Present when the coin has `conversion`: opted-in balances sold on the exchanges, on a schedule. */
  readonly convert?: PoolFunction;
  /** Ledgers of conversion targets this stack owns (targets the pool does not mine). */
  readonly targetLedgers = new Map<string, PoolTables>();
  /** Payouts of those targets that have a `payouts` block, by currency. */
  readonly targetPayouts = new Map<string, PoolFunction>();
  readonly stratum: StratumService;
  /** POOL_AUX_COINS of the ingest function, one entry per aux coin. */
  private readonly auxIngestTables: Array<{ coin: string; blocksTable: string; ledgerTable: string }> = [];

  constructor(scope: Construct, id: string, props: CoinStackProps) {
    super(scope, id, props);
    const { coin, settings } = props;
    const stage = STAGES[settings.stage];
    const own: CoinSettings | undefined = settings.coins[coin.symbol];
    const sizing = coinSizing(settings, coin.symbol);
    this.symbol = coin.symbol;
    // What the coin's chain family needs deployed (a coin no family serves fails the synth here).
    const family = (props.families ?? CHAIN_FAMILIES).forCoin(coin);
    const deployment = family.deployment;

    this.secrets = new CoinSecrets(this, 'Secrets', { symbol: coin.symbol, removalPolicy: stage.removalPolicy });
    this.tables = new PoolTables(this, 'Tables', {
      specs: props.tableSpecs,
      removalPolicy: stage.removalPolicy,
      deletionProtection: stage.deletionProtection,
    });
    this.shareQueue = new ShareQueue(this, 'Shares', {
      consumerTimeout: INGEST_TIMEOUT,
      removalPolicy: stage.removalPolicy,
    });

    // --- Lambdas --------------------------------------------------------------------------------------------
    const fn = (
      fid: string,
      entry: string,
      description: string,
      timeout: Duration,
      extra: Partial<PoolFunctionProps> & Pick<PoolFunctionProps, 'environmentSchema'>,
    ) =>
      new PoolFunction(this, fid, {
        entry,
        description: `${coin.symbol}: ${description}`,
        logRetention: stage.logRetention,
        timeout,
        environment: { POOL_COIN: coin.symbol },
        ...extra,
      });

    this.ingest = fn('Ingest', props.entries.ingest, 'credits share batches from the queue', INGEST_TIMEOUT, {
      environmentSchema: ingestEnvSchema,
    });
    // PoT weighs each share by the difficulty it reached: ingest sums that credit per round (core/rewards/pot.ts).
    if (coin.rewards?.scheme === 'POT' && coin.rewards.pot)
      this.ingest.addEnvironment('POOL_POT', JSON.stringify(coin.rewards.pot));
    // A share not bound to its connection (EthProxy) may reach several tasks: ingest claims each one's hash first.
    if (!family.work.boundToConnection) this.ingest.addEnvironment('POOL_CLAIM_SHARES', 'true');
    // Ingest updates counters in all three (shares, stats buckets, found blocks): SHARES_TABLE, STATS_TABLE, BLOCKS_TABLE.
    for (const [name, table] of this.tables.tables) this.ingest.useTable(tableEnvVar(name), table, 'readWrite');
    this.ingest.addEventSource(
      new SqsEventSource(this.shareQueue.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        // One bad batch is retried (and eventually dead-lettered) alone, the rest of the poll is committed.
        reportBatchItemFailures: true,
        // Bounded so a backlog cannot exhaust the table's or the account's concurrency.
        maxConcurrency: 10,
      }),
    );

    // Confirmation and payouts on the coin's own tables (infra/constructs/coin-money.ts).
    const money = new CoinMoney(this, 'Money', {
      config: props.config,
      coin,
      deployment,
      secrets: this.secrets,
      blocks: this.tables.get('blocks'),
      ledger: this.tables.get('ledger'),
      shares: this.tables.get('shares'),
      stats: this.tables.get('stats'),
      vpc: props.vpc,
      entries: props.entries,
      logRetention: stage.logRetention,
      timeout: MONEY_TIMEOUT,
      accountsTable: accountsTableFor(props.config, props.settings),
    });
    this.confirm = money.confirm;
    this.payouts = money.payouts;
    for (const aux of props.auxCoins ?? []) this.mergeAux(aux);

    if (coin.conversion && props.entries.convert) this.convert = this.conversion(props, fn);
    if (coin.conversion && props.entries.convert && props.entries.targetPayouts) this.payTargets(props, fn);

    // --- stratum ----------------------------------------------------------------------------------------------
    this.stratum = new StratumService(this, 'Stratum', {
      vpc: props.vpc,
      cluster: props.cluster,
      dockerfile: deployment.stratumDockerfile,
      config: props.config,
      tasks: StratumService.coinTasks({
        config: props.config,
        coin,
        shareQueue: this.shareQueue.queue,
        statsTable: this.tables.get('stats'),
        ...(deployment.daemonSecret ? { daemonSecret: this.secrets.daemonRpc } : {}),
        // createauxblock / submitauxblock on each aux coin's nodes, with that coin's credentials.
        auxDaemonSecrets: (props.auxCoins ?? []).map((a) => ({
          symbol: a.symbol,
          secret: a.secrets.daemonRpc,
          key: a.secrets.key,
        })),
      }),
      certificateArn: own?.certificateArn,
      sizing,
      logRetention: stage.logRetention,
      removalPolicy: stage.removalPolicy,
      deletionProtection: stage.deletionProtection,
    });
    // A new stratum image may send a newer queue message format (core/shares/queue-message.ts): the ingest function
    // that reads it is updated first, so that no message of the new format reaches an older function and its DLQ.
    this.stratum.service.node.addDependency(this.ingest);

    new CoinAlarms(this, 'Alarms', {
      symbol: coin.symbol,
      topic: props.alarmTopic,
      queue: this.shareQueue.queue,
      deadLetterQueue: this.shareQueue.deadLetterQueue,
      functions: [
        this.ingest,
        ...(this.confirm ? [this.confirm] : []),
        ...(this.payouts ? [this.payouts] : []),
        ...(this.convert ? [this.convert] : []),
        ...this.targetPayouts.values(),
      ],
      stratum: this.stratum,
      noBlockAlarmHours: sizing.noBlockAlarmHours,
      ...(coin.conversion && takesDeposits(coin.conversion)
        ? { depositAlarmHours: coin.conversion.depositAlarmHours }
        : {}),
      ...(coin.conversion ? { conversionOpenAlarmHours: coin.conversion.openAlarmHours } : {}),
    });

    new CfnOutput(this, 'ShareQueueUrl', { value: this.shareQueue.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.shareQueue.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'DaemonRpcSecretArn', {
      description: 'Put {"user","password"} of the coin daemons here',
      value: this.secrets.daemonRpc.secretArn,
    });
    new CfnOutput(this, 'PayoutWalletSecretArn', { value: this.secrets.payoutWallet.secretArn });
  }

  /**
   * Merged mining: ingest records the aux coin's blocks found by this coin's shares in its blocks table (items only:
   * no index, no scan) and keeps miners' password payout addresses as `AUXADDR` items of its ledger, nothing else of
   * that ledger (dynamodb:LeadingKeys); the tables are named in POOL_AUX_COINS (lambdas/ingest/handler.ts).
   */
  private mergeAux(aux: AuxCoinStack): void {
    const items = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
    const blocks = aux.tables.get('blocks').table;
    const ledger = aux.tables.get('ledger').table;
    this.ingest.addToRolePolicy(new PolicyStatement({ actions: items, resources: [blocks.tableArn] }));
    this.ingest.addToRolePolicy(
      new PolicyStatement({
        actions: items,
        resources: [ledger.tableArn],
        conditions: onlyPartitions([AUX_ADDRESS_PK]),
      }),
    );
    this.auxIngestTables.push({ coin: aux.symbol, blocksTable: blocks.tableName, ledgerTable: ledger.tableName });
    // Plain JSON around the names' tokens (a table name holds no quote): JSON at synth too, where the env is checked.
    this.ingest.addEnvironment('POOL_AUX_COINS', JSON.stringify(this.auxIngestTables));
  }

  /**
   * The conversion Lambda (lambdas/convert): on the coin's conversion schedule, outside the VPC (it talks to the
   * exchanges' public APIs) unless an exchange takes deposits (then in the VPC, like the payouts Lambda, with the
   * daemon secret: it sends them from the pool wallet), one pass at a time; reads each exchange's API keys from its
   * Secrets Manager secret by ARN; writes the coin's ledger and the targets' ledgers.
   */
  private conversion(
    props: CoinStackProps,
    fn: (
      fid: string,
      entry: string,
      description: string,
      timeout: Duration,
      extra: Partial<PoolFunctionProps> & Pick<PoolFunctionProps, 'environmentSchema'>,
    ) => PoolFunction,
  ): PoolFunction {
    const { coin } = props;
    const conversion = coin.conversion!;
    // Exchanges that take deposits get the coins from the pool wallet, on the coin's nodes: then the function runs
    // where the money functions do and reads the daemon secret, as the coin's chain family says.
    const deposits = takesDeposits(conversion);
    const deployment = (props.families ?? CHAIN_FAMILIES).forCoin(coin).deployment;
    const f = fn('Convert', props.entries.convert!, 'converts opted-in balances on the exchanges', MONEY_TIMEOUT, {
      environmentSchema: convertEnvSchema,
      reservedConcurrency: 1,
      memorySize: 1024,
      bundlesCcxt: true,
      ...(deposits && deployment.moneyInVpc ? { vpc: props.vpc } : {}),
    });
    if (deposits && deployment.daemonSecret) f.useSecret('DAEMON_SECRET_ARN', this.secrets.daemonRpc);
    f.addEnvironment('POOL_CONFIG_JSON', JSON.stringify(containerConfig(props.config, coin)));
    // A switching port paying in another coin: its miners' addresses on this ledger are converted into it.
    const foreign = foreignPayoutCurrenciesEnv(props.config, coin.symbol);
    if (foreign) f.addEnvironment('FOREIGN_PAYOUT_CURRENCIES', foreign);
    f.useTable('BLOCKS_TABLE', this.tables.get('blocks'), 'read');
    f.useTable('LEDGER_TABLE', this.tables.get('ledger'), 'readWrite');
    const spec = props.tableSpecs.find((t) => t.name === 'ledger')!;
    const ledgers: Record<string, string> = {};
    for (const { currency } of conversion.targets) {
      let ledger = props.targetLedgers?.[currency];
      if (!ledger) {
        const own = new PoolTables(this, `Ledger${currency}`, {
          specs: [spec],
          removalPolicy: STAGES[props.settings.stage].removalPolicy,
          deletionProtection: STAGES[props.settings.stage].deletionProtection,
        });
        this.targetLedgers.set(currency, own);
        ledger = own.get('ledger');
      }
      grantTable(f, ledger, 'readWrite');
      ledgers[currency] = ledger.table.tableName;
    }
    f.addEnvironment('TARGET_LEDGER_TABLES', Stack.of(this).toJsonString(ledgers));
    conversion.exchanges.forEach((x, i) => {
      if (!x.secretArn)
        throw new ConfigError(`${coin.symbol} conversion: exchange ${x.id} needs secretArn (its API keys)`);
      Secret.fromSecretCompleteArn(this, `ExchangeKeys${i}`, x.secretArn).grantRead(f);
    });
    f.runEvery(Duration.minutes(conversion.scheduleMinutes));
    return f;
  }

  /**
   * A payouts Lambda per conversion target with a `payouts` block (lambdas/payouts/target-handler.ts): the payouts
   * machine on the target's ledger, one pass at a time. `evm`: outside the VPC (it talks to the chain's RPC
   * endpoint), the pool wallet's key read from its secret by ARN. `wallet-rpc`: like the coin's own payouts, in the
   * VPC (the wallet daemon is private; the private subnets still reach a public one), the daemon's RPC credentials
   * read from their secret by ARN (the config in the template carries markers instead).
   */
  private payTargets(props: CoinStackProps, fn: Parameters<CoinStack['conversion']>[1]): void {
    const { coin } = props;
    for (const t of coin.conversion!.targets) {
      const p = t.payouts;
      if (!p) continue;
      const where = `${coin.symbol} conversion target ${t.currency}`;
      if (p.kind === 'evm' && p.privateKey)
        throw new ConfigError(`${where}: payouts.privateKey is for local mode; use payouts.secretArn`);
      const what = p.kind === 'evm' ? "the pool wallet's key" : `the wallet daemon's {"user","password"}`;
      if (!p.secretArn) throw new ConfigError(`${where}: payouts.secretArn (${what}) is needed in AWS`);
      const ledger = this.targetLedgers.get(t.currency)?.get('ledger');
      if (!ledger) throw new ConfigError(`${where}: no ledger table in this stack`);
      const f = fn(`Payouts${t.currency}`, props.entries.targetPayouts!, `pays ${t.currency} balances`, MONEY_TIMEOUT, {
        environmentSchema: targetPayoutsEnvSchema,
        // Reserved concurrency 1: two passes never overlap (the state machine would still refuse a double send).
        reservedConcurrency: 1,
        ...(p.kind === 'wallet-rpc' ? { vpc: props.vpc } : {}),
      });
      f.addEnvironment('TARGET_CURRENCY', t.currency);
      f.addEnvironment('POOL_CONFIG_JSON', JSON.stringify(containerConfig(props.config, coin)));
      f.useTable('LEDGER_TABLE', ledger, 'readWrite');
      f.useSecret(
        p.kind === 'evm' ? 'EVM_KEY_SECRET_ARN' : 'WALLET_RPC_SECRET_ARN',
        Secret.fromSecretCompleteArn(this, `PayoutKey${t.currency}`, p.secretArn),
      );
      f.runEvery(Duration.minutes(Math.max(1, Math.round(p.intervalSeconds / 60))));
      this.targetPayouts.set(t.currency, f);
    }
  }
}
