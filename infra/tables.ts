import { POOL_TABLES } from '../adapters/aws/tables.js';
import type { TableSpec } from './constructs/pool-tables.js';

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
