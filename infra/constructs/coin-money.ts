import { Duration, Stack } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ACCOUNTS_TABLE } from '../../adapters/aws/tables.js';
import { payoutSecretField } from '../../core/config/credentials.js';
import type { CoinConfig, PoolConfig } from '../../core/config/schema.js';
import type { FamilyDeployment } from '../../families/chain-family.js';
import { moneyEnvSchema } from '../../lambdas/shared/money-deps.js';
import { containerConfig, foreignPayoutCurrenciesEnv } from '../pool-config.js';
import { type CoinSecrets, secretForOtherStack } from './coin-secrets.js';
import { PoolFunction } from './pool-function.js';
import { type PoolTable, TABLE_ACTIONS } from './pool-tables.js';

export interface CoinMoneyProps {
  config: Readonly<PoolConfig>;
  coin: Readonly<CoinConfig>;
  deployment: Pick<FamilyDeployment, 'daemonSecret' | 'moneyInVpc'>;
  secrets: CoinSecrets;
  /** The coin's own money tables: written. */
  blocks: PoolTable;
  ledger: PoolTable;
  /**
   * The shares table its blocks are paid from, read only: the coin's own, or a merge-mined coin's parent's (another
   * stack's: core/config/merged.ts `roundsCoinOf`).
   */
  shares: PoolTable;
  /** The coin's stats table, read only; a merge-mined coin has none. */
  stats?: PoolTable;
  vpc: IVpc;
  entries: { confirm: string; payouts: string };
  logRetention: RetentionDays;
  timeout: Duration;
  /**
   * The pool-wide accounts table's fixed name when the pool has accounts (infra/tables.ts accountsTableFor): read
   * only, for accounts' payout settings (payouts) and referrals (confirmation), as POOL_ACCOUNTS_TABLE. By name, so
   * the coin's stack never depends on the accounts stack.
   */
  accountsTable?: string;
}

/**
 * A coin's confirmation and payouts Lambdas: they talk to the coin's daemons (in the VPC when the family's nodes are
 * private, the RPC credentials read from the secret at run time when they take some), see the coin's config without
 * credentials (markers), like the stratum task, write the coin's blocks and ledger and read its rounds.
 */
export class CoinMoney extends Construct {
  /** Present when the coin has `rewards`: block confirmation and ledger credits, on a schedule. */
  readonly confirm?: PoolFunction;
  /** Present when the coin has `payouts`: scheduled payouts through the pool wallet. */
  readonly payouts?: PoolFunction;

  constructor(scope: Construct, id: string, props: CoinMoneyProps) {
    super(scope, id);
    const { coin } = props;
    // The coin's secrets, read in this stack or (a merge-mined coin's money stack) in another.
    const readable = (f: PoolFunction, name: string, which: 'daemonRpc' | 'payoutWallet') => {
      const secret = props.secrets[which];
      if (Stack.of(secret) === Stack.of(this)) return secret;
      return secretForOtherStack(this, `${f.node.id}${name}`, secret, props.secrets.key, f);
    };
    const moneyFunction = (fid: string, entry: string, description: string, every: Duration) => {
      // In the stack's scope (not this construct's): the functions keep their logical ids.
      const f = new PoolFunction(scope, fid, {
        entry,
        description: `${coin.symbol}: ${description}`,
        logRetention: props.logRetention,
        timeout: props.timeout,
        environment: { POOL_COIN: coin.symbol },
        ...(props.deployment.moneyInVpc ? { vpc: props.vpc } : {}),
        environmentSchema: moneyEnvSchema,
        // Reserved concurrency 1: two passes never overlap (each pass also holds its ledger lease, confirmation's or
        // payouts', which keeps a pass of another kind of caller, like the local timer beside the CLI, out too).
        reservedConcurrency: 1,
      });
      f.addEnvironment('POOL_CONFIG_JSON', JSON.stringify(containerConfig(props.config, coin)));
      if (props.deployment.daemonSecret) f.useSecret('DAEMON_SECRET_ARN', readable(f, 'DaemonRpc', 'daemonRpc'));
      f.useTable('SHARES_TABLE', props.shares, 'read');
      if (props.stats) f.useTable('STATS_TABLE', props.stats, 'read');
      f.useTable('BLOCKS_TABLE', props.blocks, 'readWrite');
      f.useTable('LEDGER_TABLE', props.ledger, 'readWrite');
      if (props.accountsTable) readAccounts(f, props.accountsTable);
      f.runEvery(every);
      return f;
    };
    if (coin.rewards) {
      this.confirm = moneyFunction(
        'Confirm',
        props.entries.confirm,
        'confirms found blocks and credits the ledger',
        Duration.minutes(2),
      );
    }
    if (coin.payouts) {
      const minutes = Math.max(1, Math.round(coin.payouts.intervalSeconds / 60));
      this.payouts = moneyFunction(
        'Payouts',
        props.entries.payouts,
        'pays confirmed balances',
        Duration.minutes(minutes),
      );
      // btcwallet's passphrase, or the key an Ethereum-family coin signs with: only this function may read it.
      if (payoutSecretField(coin))
        this.payouts.useSecret('PAYOUT_WALLET_SECRET_ARN', readable(this.payouts, 'PayoutWallet', 'payoutWallet'));
      // A switching port paying in another coin: its miners' addresses on this ledger are never paid here.
      const foreign = foreignPayoutCurrenciesEnv(props.config, coin.symbol);
      if (foreign) this.payouts.addEnvironment('FOREIGN_PAYOUT_CURRENCIES', foreign);
    }
  }
}

/** Read-only access to the accounts table and its indexes, named (not referenced: no dependency on its stack). */
function readAccounts(f: PoolFunction, name: string): void {
  const table = Stack.of(f).formatArn({ service: 'dynamodb', resource: 'table', resourceName: name });
  const indexes = ACCOUNTS_TABLE.globalSecondaryIndexes.map((g) => `${table}/index/${g.indexName}`);
  f.addToRolePolicy(new PolicyStatement({ actions: [...TABLE_ACTIONS.read], resources: [table, ...indexes] }));
  f.addEnvironment('POOL_ACCOUNTS_TABLE', name);
}
