import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoBanStore, DynamoPrefixLeases } from '../../adapters/aws/dynamo-stratum-coordination.js';
import type { Logger } from '../../core/ports/logger.js';
import type { BanStore, PrefixLeaseStore } from '../../core/ports/stratum-coordination.js';
import type { BanPolicy } from './stratum/ban-policy.js';
import { type BanRelayMessage, relayPolicy, TaskBans } from './task-bans.js';
import { leaseTaskPrefix } from './task-prefix.js';

/** The coin's ban store and prefix leases (`prefixBytes`: its family's `work.taskPrefixBytes`), in its stats table. */
export function coordinationStores(
  doc: DynamoDBDocumentClient,
  statsTable: string,
  prefixBytes: number,
): { bans: BanStore; leases: PrefixLeaseStore } {
  return {
    bans: new DynamoBanStore(doc, statsTable),
    leases: new DynamoPrefixLeases(doc, statsTable, { bytes: prefixBytes }),
  };
}

export interface SoloCoordination {
  prefix: string;
  /** Wires the coin's ban policy to the shared bans (once its service is started with `prefix`). */
  attach(policy: BanPolicy): void;
  /** After the service stopped: stops polling and releases the prefix. */
  stop(): Promise<void>;
}

/**
 * A stratum process that is its own primary (local mode): the prefix lease and the shared bans as a task of one
 * process has them, through the same stores (dynalite locally), so bans also outlive a restart.
 */
export async function coordinateSolo(o: {
  doc: DynamoDBDocumentClient;
  statsTable: string;
  /** The coin's family's `work.taskPrefixBytes`. */
  prefixBytes: number;
  owner: string;
  banMs: number;
  log: Pick<Logger, 'warn' | 'error'>;
  /** Where the prefix is leased instead of the stats table's: a switching port's, in all its coins' tables. */
  leases?: PrefixLeaseStore;
}): Promise<SoloCoordination> {
  const stores = coordinationStores(o.doc, o.statsTable, o.prefixBytes);
  const prefix = await leaseTaskPrefix({
    leases: o.leases ?? stores.leases,
    bytes: o.prefixBytes,
    owner: o.owner,
    now: Date.now,
    // Only another pool on the same storage could take it; nothing to stop here but to say so.
    onLost: () => o.log.error({}, 'extranonce1 prefix lease lost'),
    log: o.log,
  });
  let deliver: (msg: BanRelayMessage) => void = () => {};
  const bans = new TaskBans({
    store: stores.bans,
    send: (_, msg) => deliver(msg),
    now: Date.now,
    banMs: o.banMs,
    log: o.log,
  });
  return {
    prefix: prefix.prefix,
    attach: (policy) => {
      deliver = relayPolicy(policy, (msg) => bans.received(0, msg));
      bans.joined(0);
      bans.start();
    },
    stop: async () => {
      bans.stop();
      await bans.idle();
      await prefix
        .release()
        .catch((err: unknown) => o.log.warn({ err }, 'extranonce1 prefix not released; it expires'));
    },
  };
}
