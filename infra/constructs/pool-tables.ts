import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ConfigError } from '../../core/errors.js';
import { acknowledge } from '../nag.js';

/** A table as plain data (the shape adapters/aws/tables.ts describes), so the adapters and the CDK app agree. */
export interface TableKeySpec {
  name: string;
  type: 'S' | 'N' | 'B';
}

export interface TableSpec {
  /** Short logical name, unique per coin (e.g. 'shares'); also the construct id and the env var stem. */
  name: string;
  partitionKey: TableKeySpec;
  sortKey?: TableKeySpec;
  /** Attribute holding an epoch-seconds expiry (stats buckets age out on their own). */
  ttlAttribute?: string;
  globalSecondaryIndexes?: readonly { indexName: string; partitionKey: TableKeySpec; sortKey?: TableKeySpec }[];
  /** Default true: balances and rounds are money. Derived, short-lived data (stats buckets) may opt out. */
  pointInTimeRecovery?: boolean;
  /**
   * A fixed physical name, for a table other stacks read by name without a reference to its stack (the pool-wide
   * accounts table). Default: CloudFormation names it.
   */
  tableName?: string;
}

/** A table and the names of its indexes, so grants can name each index instead of `index/*`. */
export interface PoolTable {
  table: ITable;
  indexNames: readonly string[];
}

export type TableAccess = 'read' | 'write' | 'readWrite';

/** Data-plane actions only, listed one by one: a handler never gets `dynamodb:*` or table administration. */
export const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DescribeTable'],
  write: [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:ConditionCheckItem',
    'dynamodb:DescribeTable',
  ],
  readWrite: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:Scan',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:ConditionCheckItem',
    'dynamodb:DescribeTable',
  ],
};

/**
 * An IAM condition limiting item actions to the items whose partition key is one of `keys` (DynamoDB's
 * fine-grained access control): e.g. a function that may write only a ledger's CONVPREF or AUXADDR items.
 */
export function onlyPartitions(keys: readonly string[]) {
  return { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...keys] } };
}

/** Grants `access` on the table and each of its named indexes (no wildcard resources). */
export function grantTable(grantee: IGrantable, target: PoolTable, access: TableAccess): Grant {
  const arns = [target.table.tableArn, ...target.indexNames.map((n) => `${target.table.tableArn}/index/${n}`)];
  return Grant.addToPrincipal({ grantee, actions: [...TABLE_ACTIONS[access]], resourceArns: arns });
}

export interface PoolTablesProps {
  specs: readonly TableSpec[];
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
}

const ATTRIBUTE: Record<TableKeySpec['type'], AttributeType> = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
  B: AttributeType.BINARY,
};

const key = (k: TableKeySpec) => ({ name: k.name, type: ATTRIBUTE[k.type] });

/**
 * One coin's tables: on-demand (share traffic is bursty and follows hashrate, not a forecast), point-in-time
 * recovery unless the spec opts out, encryption at rest, TTL where the spec has one, deletion protection per stage.
 * Table names are left to CloudFormation so two stages or two pools never collide; handlers get them from env.
 */
export class PoolTables extends Construct {
  readonly tables: ReadonlyMap<string, PoolTable>;

  constructor(scope: Construct, id: string, props: PoolTablesProps) {
    super(scope, id);
    const tables = new Map<string, PoolTable>();
    for (const spec of props.specs) {
      if (tables.has(spec.name)) throw new ConfigError(`table ${spec.name} is defined twice`);
      const table = new Table(this, pascal(spec.name), {
        tableName: spec.tableName,
        partitionKey: key(spec.partitionKey),
        sortKey: spec.sortKey && key(spec.sortKey),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: spec.pointInTimeRecovery ?? true },
        encryption: TableEncryption.AWS_MANAGED,
        timeToLiveAttribute: spec.ttlAttribute,
        deletionProtection: props.deletionProtection,
        removalPolicy: props.removalPolicy,
      });
      if (spec.pointInTimeRecovery === false) {
        acknowledge(table, 'AwsSolutions-DDB3', `${spec.name} holds derived, expiring data: nothing to recover`);
      }
      for (const gsi of spec.globalSecondaryIndexes ?? []) {
        table.addGlobalSecondaryIndex({
          indexName: gsi.indexName,
          partitionKey: key(gsi.partitionKey),
          sortKey: gsi.sortKey && key(gsi.sortKey),
        });
      }
      tables.set(spec.name, { table, indexNames: (spec.globalSecondaryIndexes ?? []).map((g) => g.indexName) });
    }
    this.tables = tables;
  }

  get(name: string): PoolTable {
    const table = this.tables.get(name);
    if (!table) throw new ConfigError(`no table named ${name}; known: ${[...this.tables.keys()].join(', ')}`);
    return table;
  }
}

/** 'share-stats' → 'ShareStats' (construct ids), 'share-stats' → 'SHARE_STATS_TABLE' (env var names). */
export function pascal(name: string): string {
  return name.replace(/(^|[-_\s])([a-z0-9])/gi, (_m, _sep, c: string) => c.toUpperCase());
}

export function tableEnvVar(name: string): string {
  return `${name.replace(/[-\s]/g, '_').toUpperCase()}_TABLE`;
}
