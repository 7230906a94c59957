import { ACCOUNTS_TABLE, accountsTableName, POOL_TABLES } from '../adapters/aws/tables.js';
import type { PoolConfig } from '../core/config/schema.js';
import type { TableSpec } from './constructs/pool-tables.js';
import type { DeploySettings } from './settings.js';

/**
 * The per-coin tables, from the same definitions the adapters and local mode use (adapters/aws/tables.ts), so a
 * key or index cannot differ between what the code queries and what is deployed.
 */
export const COIN_TABLES: readonly TableSpec[] = Object.values(POOL_TABLES).map((def) => ({
  name: def.suffix,
  partitionKey: def.partitionKey,
  sortKey: def.sortKey,
  ttlAttribute: def.ttlAttribute,
  globalSecondaryIndexes: def.globalSecondaryIndexes,
  pointInTimeRecovery: def.pointInTimeRecovery,
}));

/** The pool-wide accounts table (issue 19), from the same definition as the adapters and local mode use. */
export const ACCOUNTS_TABLE_SPEC: TableSpec = {
  name: ACCOUNTS_TABLE.suffix,
  partitionKey: ACCOUNTS_TABLE.partitionKey,
  sortKey: ACCOUNTS_TABLE.sortKey,
  ttlAttribute: ACCOUNTS_TABLE.ttlAttribute,
  globalSecondaryIndexes: ACCOUNTS_TABLE.globalSecondaryIndexes,
  pointInTimeRecovery: ACCOUNTS_TABLE.pointInTimeRecovery,
};

/** Every stack of one pool deployment is named `<prefix>-…`. */
export function poolPrefix(settings: Pick<DeploySettings, 'name' | 'stage'>): string {
  return `${settings.name}-${settings.stage}`;
}

/**
 * The accounts table's fixed name when the pool has accounts: the coins' money Lambdas read it by this name
 * (POOL_ACCOUNTS_TABLE), so no coin stack refers to the accounts stack. Undefined: no accounts.
 */
export function accountsTableFor(
  config: Pick<PoolConfig, 'accounts'>,
  settings: Pick<DeploySettings, 'name' | 'stage'>,
): string | undefined {
  return config.accounts ? accountsTableName(poolPrefix(settings)) : undefined;
}
