import type { Share, ShareBatch } from '../../../core/shares/share.js';

/** A share batch of one round (LTC unless told): one share per (miner, difficulty); `block` rides on the last share. */
export function roundBatch(
  id: string,
  height: number,
  work: Array<[string, number]>,
  block?: { hash: string; reward: string },
  coin = 'LTC',
): ShareBatch {
  return {
    v: 1,
    batchId: id,
    coin,
    shares: work.map(
      ([miner, difficulty], i): Share => ({
        coin,
        miner,
        worker: '',
        height,
        difficulty,
        actualDifficulty: difficulty,
        timestamp: 1000 + i,
        ...(block && i === work.length - 1
          ? { block: { height, ...block, networkDifficulty: 1, submitResult: 'accepted' as const } }
          : {}),
      }),
    ),
  };
}
