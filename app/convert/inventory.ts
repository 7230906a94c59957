import { appliedDelta, applyChange, type ExchangeInventory } from '../../core/conversion/inventory.js';
import { StorageError } from '../../core/errors.js';
import type { ConvertDeps } from './deps.js';

type InventoryDeps = Pick<ConvertDeps, 'coin' | 'store' | 'log' | 'now'>;

/**
 * Applies the change `key` to the coin's inventory on `exchange` once (core/conversion/inventory.ts): the delta
 * already recorded under the key when a run before this one applied it, else `deltaOf(current)` written with the
 * record's version as the condition (re-read and retried when another write came first). Returns the delta.
 */
export async function changeInventory(
  deps: InventoryDeps,
  exchange: string,
  key: string,
  deltaOf: (current: ExchangeInventory) => bigint,
): Promise<bigint> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const inv = await deps.store.getInventory(deps.coin, exchange);
    const applied = appliedDelta(inv, key);
    if (applied !== undefined) return applied;
    const delta = deltaOf(inv);
    if (delta === 0n) return 0n;
    if (await deps.store.putInventory(deps.coin, applyChange(inv, key, delta, deps.now()), inv.version)) {
      deps.log.info({ coin: deps.coin, exchange, key, delta: delta.toString() }, 'exchange inventory changed');
      return delta;
    }
  }
  throw new StorageError(`${deps.coin} inventory on ${exchange}: conflicting writes, change ${key} not applied`);
}
