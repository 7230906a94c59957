import type { MinerStats } from '../../core/ports/share-store.js';

/**
 * A miner reader answering workers by name with their last share time (what the notification pass and the Telegram
 * bot's /stats read), no minute buckets; `workers()` is read on every call, so a test changes it between passes.
 */
export function workersReader(workers: () => Record<string, number>): {
  getMinerStats(coin: string, miner: string): Promise<MinerStats>;
} {
  return {
    getMinerStats: async (coin, miner) => ({
      coin,
      miner,
      total: { shares: 0, difficulty: 0 },
      minutes: [],
      workers: Object.entries(workers()).map(([worker, lastShareAt]) => ({
        worker,
        lastShareAt,
        minutes: [],
        refused: {} as MinerStats['workers'][number]['refused'],
      })),
    }),
  };
}
