import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileShareSpool } from '../../../adapters/fs/spool.js';
import { batch, countLoopTurns, fileHandlePrototype, share } from '../../core/shares/fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spool-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileShareSpool', () => {
  it('gives back appended batches in order from sealed segments, and forgets a removed segment', async () => {
    const spool = new FileShareSpool({ dir });
    await spool.append(batch('a', [share()]));
    await spool.append(batch('b', [share()]));
    const [seg, ...rest] = await spool.sealSegments();
    expect(rest).toEqual([]);
    expect((await spool.readSegment(seg!)).map((b) => b.batchId)).toEqual(['a', 'b']);
    await spool.append(batch('c', [share()])); // goes to a new segment
    expect(await spool.sealSegments()).toHaveLength(2);
    await spool.removeSegment(seg!);
    const left = await spool.sealSegments();
    expect(left).toHaveLength(1);
    expect((await spool.readSegment(left[0]!)).map((b) => b.batchId)).toEqual(['c']);
    await spool.close();
  });

  it('gives the event loop turns while it parses a segment back (parseSliceMs), every batch in order', async () => {
    const writer = new FileShareSpool({ dir });
    const ids = Array.from({ length: 40 }, (_, i) => `b${i}`);
    for (const id of ids) await writer.append(batch(id, [share()]));
    const [segment] = await writer.sealSegments();
    const loop = countLoopTurns();
    // 0 ms: a turn after every line, so the count does not depend on this machine's speed.
    const read = await new FileShareSpool({ dir, parseSliceMs: 0 }).readSegment(segment!);
    const turns = loop.stop();
    expect(read.map((b) => b.batchId)).toEqual(ids);
    // The default (4 ms) holds the loop for the whole of so small a segment: the turns come from the slices.
    expect(turns).toBeGreaterThanOrEqual(ids.length - 1);
    await writer.close();
  });

  it('keeps batches across a restart and continues numbering after the old segments', async () => {
    const first = new FileShareSpool({ dir });
    await first.append(batch('old', [share()]));
    await first.close();
    const second = new FileShareSpool({ dir });
    await second.append(batch('new', [share()]));
    const segs = await second.sealSegments();
    expect(segs).toHaveLength(2);
    const all = (await Promise.all(segs.map((s) => second.readSegment(s)))).flat().map((b) => b.batchId);
    expect(all).toEqual(['old', 'new']);
    await second.close();
  });

  it('commits appends that arrive together with one sync, each resolving after it, in order', async () => {
    const spool = new FileShareSpool({ dir });
    await spool.append(batch('warm', [share()])); // opens the segment
    const datasync = vi.spyOn(await fileHandlePrototype(), 'datasync');
    try {
      await Promise.all(Array.from({ length: 50 }, (_, i) => spool.append(batch(`b${i}`, [share()]))));
      // The first append syncs alone; the 49 that queued behind it share the next sync.
      expect(datasync.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      datasync.mockRestore();
    }
    const [segment] = await spool.sealSegments();
    expect((await spool.readSegment(segment!)).map((b) => b.batchId)).toEqual([
      'warm',
      ...Array.from({ length: 50 }, (_, i) => `b${i}`),
    ]);
  });

  it("durability 'write' acknowledges after the write alone, and the batches read back the same", async () => {
    const spool = new FileShareSpool({ dir, durability: 'write' });
    const datasync = vi.spyOn(await fileHandlePrototype(), 'datasync');
    try {
      for (let i = 0; i < 5; i++) await spool.append(batch(`w${i}`, [share()]));
      expect(datasync).not.toHaveBeenCalled();
    } finally {
      datasync.mockRestore();
    }
    // Another process (a restarted stratum process) reads what this one wrote: the page cache is the file.
    const [segment] = await new FileShareSpool({ dir }).sealSegments();
    expect((await spool.readSegment(segment!)).map((b) => b.batchId)).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
  });

  it('a failed sync: the segment is cut back to its acknowledged lines, and the batch is never read back', async () => {
    const spool = new FileShareSpool({ dir });
    await spool.append(batch('before', [share()]));
    const proto = await fileHandlePrototype();
    // The write lands in the file (the page cache), then its sync fails: the append must fail, and its line go.
    const datasync = vi.spyOn(proto, 'datasync').mockRejectedValueOnce(new Error('EIO: sync failed'));
    try {
      await expect(spool.append(batch('failed', [share()]))).rejects.toThrow('EIO');
    } finally {
      datasync.mockRestore();
    }
    await spool.append(batch('after', [share()]));
    const segments = await spool.sealSegments();
    // 'after' went to a new segment: nothing is appended behind a failed write.
    expect(segments).toHaveLength(2);
    const read = await Promise.all(segments.map((s) => spool.readSegment(s)));
    expect(read.map((bs) => bs.map((b) => b.batchId))).toEqual([['before'], ['after']]);
    // Cut on disk too, so a restarted process reads the same.
    const again = new FileShareSpool({ dir });
    expect((await again.readSegment(segments[0]!)).map((b) => b.batchId)).toEqual(['before']);
  });

  it('a failed sync whose cut fails too: this process still never reads the batch back', async () => {
    const spool = new FileShareSpool({ dir });
    await spool.append(batch('before', [share()]));
    const proto = await fileHandlePrototype();
    const datasync = vi.spyOn(proto, 'datasync').mockRejectedValueOnce(new Error('EIO: sync failed'));
    const truncate = vi.spyOn(proto, 'truncate').mockRejectedValueOnce(new Error('EIO: truncate failed'));
    try {
      await expect(spool.append(batch('failed', [share()]))).rejects.toThrow('EIO: sync failed');
    } finally {
      datasync.mockRestore();
      truncate.mockRestore();
    }
    const [segment] = await spool.sealSegments();
    // The line is in the file (another reader sees it), but not for the process that refused it.
    expect((await new FileShareSpool({ dir }).readSegment(segment!)).map((b) => b.batchId)).toEqual([
      'before',
      'failed',
    ]);
    expect((await spool.readSegment(segment!)).map((b) => b.batchId)).toEqual(['before']);
  });

  it('skips a line torn by a crash and reports it', async () => {
    const torn: number[] = [];
    const spool = new FileShareSpool({ dir, onCorruptLine: (i) => torn.push(i.line) });
    await spool.append(batch('ok', [share()]));
    await spool.close();
    const [file] = await readdir(dir);
    await appendFile(join(dir, file!), '{"v":1,"batchId":"half');
    const [seg] = await spool.sealSegments();
    expect((await spool.readSegment(seg!)).map((b) => b.batchId)).toEqual(['ok']);
    expect(torn).toEqual([2]);
  });

  it('starts a new segment once one reaches maxSegmentBytes', async () => {
    const spool = new FileShareSpool({ dir, maxSegmentBytes: 10 });
    for (const id of ['a', 'b', 'c']) await spool.append(batch(id, [share()]));
    expect(await spool.sealSegments()).toHaveLength(3);
  });
});
