import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidMessageError } from '../../core/errors.js';
import { forEachSliced } from '../../core/limited.js';
import type { ShareSpool } from '../../core/ports/share-spool.js';
import type { ShareBatch } from '../../core/shares/share.js';

export interface FileShareSpoolOptions {
  /** A directory of its own under the data dir, e.g. `<dataDir>/spool/LTC`. */
  dir: string;
  /** A segment is sealed once it reaches this size, so that a replay never reads more than this at once. */
  maxSegmentBytes?: number;
  /** Told about lines that cannot be parsed (a write torn by a crash: its share was never acknowledged). */
  onCorruptLine?: (info: { segment: string; line: number }) => void;
  /**
   * What `append` waits for: 'data' (default) the write and an fdatasync, so the batch survives a power loss;
   * 'write' only the write: the batch is in the kernel's page cache and survives the process (a crash, SIGKILL,
   * OOM kill), not the machine. Where the disk does not outlive the machine anyway (a Fargate task's volume), the
   * sync buys nothing and costs the disk's sync latency on every acknowledgement.
   */
  durability?: 'data' | 'write';
  /**
   * The longest `readSegment` parses before the event loop gets a turn (4 ms): a segment is up to 8 MiB of JSON,
   * read back while the same process serves miners.
   */
  parseSliceMs?: number;
}

const SEGMENT = /^segment-(\d{12})\.jsonl$/;

/**
 * The disk spool: append-only JSON lines, one batch per line, fsynced before `append` resolves (appends that
 * arrive together share one write and sync). Segment files are
 * named by a sequence number; the newest one is open for appends until `sealSegments` seals it.
 * A crash can leave a torn last line; it is skipped on read (its batch was never acknowledged, since `append` had
 * not resolved). A failed write or sync cuts the segment back to its acknowledged lines: a batch whose append failed
 * is never read back, so it is counted once if its caller sent it elsewhere.
 */
export class FileShareSpool implements ShareSpool {
  private readonly dir: string;
  private readonly maxSegmentBytes: number;
  private readonly onCorruptLine: FileShareSpoolOptions['onCorruptLine'];
  private readonly sync: boolean;
  private readonly parseSliceMs: number;
  private nextSeq: number | undefined;
  private active: { id: string; fh: FileHandle; bytes: number } | undefined;
  /** Appends and seals run one at a time, in order. */
  private lock: Promise<unknown> = Promise.resolve();
  /** Appends waiting for the next group commit, and the commit loop while it runs. */
  private pending: Array<{
    batchId: string;
    line: Buffer;
    resolve: (segment: string) => void;
    reject: (err: Error) => void;
  }> = [];
  /** The segments this spool created and has not removed: the batches appended to each (ShareSpool `appended`). */
  private readonly counts = new Map<string, number>();
  private committing: Promise<void> | undefined;
  /**
   * Per segment, the batches whose append failed and whose lines the cut could not take off: left out of every read
   * of it. Their callers were told the batch is not here, and may have sent it another way (the queue's transport),
   * where a summary of this segment would count its shares a second time. Forgotten with the segment.
   */
  private readonly refused = new Map<string, Set<string>>();

  constructor(opts: FileShareSpoolOptions) {
    this.dir = opts.dir;
    this.maxSegmentBytes = opts.maxSegmentBytes ?? 8 * 1024 * 1024;
    this.onCorruptLine = opts.onCorruptLine;
    this.sync = (opts.durability ?? 'data') === 'data';
    this.parseSliceMs = opts.parseSliceMs ?? 4;
  }

  append(batch: ShareBatch): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.pending.push({ batchId: batch.batchId, line: Buffer.from(`${JSON.stringify(batch)}\n`), resolve, reject });
      this.committing ??= this.commitPending();
    });
  }

  /**
   * Group commit: the appends that arrive while a write + datasync runs go to disk together in the next one, so the
   * disk sees one sync per round trip, not one per batch (with small batch windows, one sync each queued them up).
   * Each append still resolves only after the sync that covers its line.
   */
  private async commitPending(): Promise<void> {
    while (this.pending.length > 0) {
      const group = this.pending.splice(0);
      try {
        const segment = await this.serialized(async () => {
          const seg = await this.activeSegment();
          const bytes = Buffer.concat(group.map((g) => g.line));
          try {
            await seg.fh.write(bytes, 0, bytes.length, null);
            if (this.sync) await seg.fh.datasync();
          } catch (err) {
            // The group's lines may be on disk, whole or torn, though their appends fail: the segment is cut back to
            // the lines acknowledged, and never appended to again (a later good line must not follow a torn one).
            const cut = await seg.fh.truncate(seg.bytes).then(
              () => true,
              () => false,
            );
            if (!cut) this.refused.set(seg.id, new Set(group.map((g) => g.batchId)));
            await this.closeActive();
            throw err;
          }
          seg.bytes += bytes.length;
          this.counts.set(seg.id, (this.counts.get(seg.id) ?? 0) + group.length);
          if (seg.bytes >= this.maxSegmentBytes) await this.closeActive();
          return seg.id;
        });
        for (const g of group) g.resolve(segment);
      } catch (err) {
        for (const g of group) g.reject(err as Error);
      }
    }
    this.committing = undefined;
  }

  sealSegments(): Promise<string[]> {
    return this.serialized(async () => {
      await this.closeActive();
      return this.listSegments();
    });
  }

  async readSegment(id: string): Promise<ShareBatch[]> {
    const lines = (await readFile(join(this.dir, id), 'utf8')).split('\n');
    const batches: ShareBatch[] = [];
    const refused = this.refused.get(id);
    await forEachSliced(lines, this.parseSliceMs, (line, i) => {
      if (line === '') return;
      try {
        const batch = JSON.parse(line) as ShareBatch;
        if (!refused?.has(batch.batchId)) batches.push(batch);
      } catch {
        this.onCorruptLine?.({ segment: id, line: i + 1 });
      }
    });
    return batches;
  }

  async removeSegment(id: string): Promise<void> {
    if (!SEGMENT.test(id)) throw new InvalidMessageError(`not a spool segment: ${id}`);
    await rm(join(this.dir, id), { force: true });
    this.counts.delete(id);
    this.refused.delete(id);
  }

  appended(id: string): number | undefined {
    return this.counts.get(id);
  }

  /** Closes the open segment (for shutdown); everything appended stays on disk. */
  close(): Promise<void> {
    return this.serialized(() => this.closeActive());
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async listSegments(): Promise<string[]> {
    await mkdir(this.dir, { recursive: true });
    return (await readdir(this.dir)).filter((f) => SEGMENT.test(f)).sort();
  }

  private async activeSegment() {
    if (this.active) return this.active;
    if (this.nextSeq === undefined) {
      const last = (await this.listSegments()).at(-1);
      this.nextSeq = last ? Number(SEGMENT.exec(last)![1]) + 1 : 0;
    }
    const id = `segment-${String(this.nextSeq++).padStart(12, '0')}.jsonl`;
    // 'wx': a fresh file every time; appends never reopen a sealed segment.
    const fh = await open(join(this.dir, id), 'wx');
    await syncDir(this.dir);
    this.active = { id, fh, bytes: 0 };
    return this.active;
  }

  private async closeActive(): Promise<void> {
    const seg = this.active;
    this.active = undefined;
    await seg?.fh.close();
  }
}

/** Makes a new file's directory entry durable, so that an fsynced file is also findable after a crash. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
