import { type FileHandle, open } from 'node:fs/promises';
import { devNull } from 'node:os';
import type { ShareSpool } from '../../../core/ports/share-spool.js';
import type { Share, ShareBatch } from '../../../core/shares/share.js';

export const MINER_A = 'rltc1qminera';
export const MINER_B = 'rltc1qminerb';

export function share(overrides: Partial<Share> = {}): Share {
  return {
    coin: 'LTC',
    miner: MINER_A,
    worker: 'rig1',
    height: 100,
    difficulty: 8,
    actualDifficulty: 9,
    timestamp: 1_700_000_000_000,
    ...overrides,
  };
}

export function batch(batchId: string, shares: Share[]): ShareBatch {
  return { v: 1, batchId, coin: 'LTC', shares };
}

/** A spool in memory with switchable failure, shaped like the file spool. */
export class MemorySpool implements ShareSpool {
  failing = false;
  private segments = new Map<string, ShareBatch[]>();
  private active: string | undefined;
  private seq = 0;

  /** Whether `appended` answers, as the file spool does for its own segments (false: as for another's). */
  counting = true;
  private counts = new Map<string, number>();

  async append(b: ShareBatch): Promise<string> {
    if (this.failing) throw new Error('disk full');
    if (!this.active) {
      this.active = `s${this.seq++}`;
      this.segments.set(this.active, []);
    }
    this.segments.get(this.active)!.push(structuredClone(b));
    this.counts.set(this.active, (this.counts.get(this.active) ?? 0) + 1);
    return this.active;
  }
  appended(id: string): number | undefined {
    return this.counting ? this.counts.get(id) : undefined;
  }
  async sealSegments(): Promise<string[]> {
    if (this.failing) throw new Error('disk gone');
    this.active = undefined;
    return [...this.segments.keys()];
  }
  async readSegment(id: string): Promise<ShareBatch[]> {
    return structuredClone(this.segments.get(id) ?? []);
  }
  async removeSegment(id: string): Promise<void> {
    this.segments.delete(id);
    this.counts.delete(id);
  }
  allBatches(): ShareBatch[] {
    return [...this.segments.values()].flat();
  }
}

/** A transport that records what it accepted and fails while `failing` is set. */
export class RecordingTransport {
  failing = false;
  accepted: ShareBatch[] = [];
  calls = 0;
  async send(batches: ShareBatch[]): Promise<void> {
    this.calls += 1;
    if (this.failing) throw new Error('queue unreachable');
    this.accepted.push(...structuredClone(batches));
  }
}

/** Counts the event loop's turns (a setImmediate each) until `stop`, which gives the count. */
export function countLoopTurns(): { stop(): number } {
  let turns = 0;
  let counting = true;
  const count = () => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  return {
    stop: () => {
      counting = false;
      return turns;
    },
  };
}

/** The prototype of node:fs/promises' FileHandle, to spy on (`vi.spyOn(proto, 'datasync')`) what every handle does. */
export async function fileHandlePrototype(): Promise<FileHandle> {
  const fh = await open(devNull, 'r');
  await fh.close();
  return Object.getPrototypeOf(fh) as FileHandle;
}
