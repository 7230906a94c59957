import type { FoundBlockRecord } from '../../../core/blocks/block.js';
import type { WorkerSlice } from '../../../core/shares/aggregate.js';
import { MINER_A } from '../../core/shares/fixtures.js';

/** A minute boundary (ms) and its minute number, for the share adapters' tests. */
export const T0 = 1_700_000_040_000;
export const MIN0 = T0 / 60_000;

/** One worker's sums of one minute of one round, as ingest hands them to `putSlices`. */
export function slice(over: Partial<WorkerSlice> & Pick<WorkerSlice, 'miner'>): WorkerSlice {
  return {
    height: 100,
    minute: MIN0,
    worker: 'rig1',
    shares: 1,
    difficulty: 8,
    lastShareAt: T0 + 1_000,
    ...over,
  };
}

export const BOTH_VIEWS = { rounds: true, minutes: true } as const;

/** A block a stratum server found, as it hands it to `putBlock`. */
export function found(over: Partial<FoundBlockRecord> = {}): FoundBlockRecord {
  return {
    height: 101,
    hash: 'ab'.repeat(32),
    reward: '625000000',
    networkDifficulty: 4000,
    submitResult: 'accepted',
    miner: MINER_A,
    worker: 'rig1',
    shareDifficulty: 8,
    actualDifficulty: 5000,
    time: T0,
    ...over,
  };
}
