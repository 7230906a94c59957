import type {
  MinerActivityReader,
  PoolStatsReader,
  RoundShareReader,
  ShareIngestStore,
} from '../../core/ports/share-store.js';
import { DynamoMinerActivityReader } from './dynamo-miner-activity.js';
import { DynamoPoolStatsReader } from './dynamo-pool-stats.js';
import { DynamoRoundShareReader } from './dynamo-round-shares.js';
import { DynamoShareIngestStore, type DynamoShareIngestStoreOptions } from './dynamo-share-ingest-store.js';

/** The share ports on one client and table set: each use case takes the one(s) it needs. */
export interface DynamoShareStores {
  /** Ingest's idempotent batch writes (app/ingest). */
  ingest: ShareIngestStore;
  /** Round sums for the rewards and luck (app/confirm, app/stats). */
  rounds: RoundShareReader;
  /** A miner's page and its last share (app/stats, app/payouts/policy.ts). */
  miners: MinerActivityReader;
  /** The pool's totals, minute buckets and recorded blocks (app/stats). */
  poolStats: PoolStatsReader;
}

/** Builds every share adapter on one DynamoDB client and table set: the composition roots' convenience. */
export function createDynamoShareStores(opts: DynamoShareIngestStoreOptions): DynamoShareStores {
  return {
    ingest: new DynamoShareIngestStore(opts),
    rounds: new DynamoRoundShareReader(opts),
    miners: new DynamoMinerActivityReader(opts),
    poolStats: new DynamoPoolStatsReader(opts),
  };
}
