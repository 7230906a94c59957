import { scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { arch } from 'node:os';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  hashSoon,
  type ScryptKernel,
  scrypt,
  scryptBatch,
  scryptBatchAsync,
  scryptBatchPlan,
  scryptKernel,
  scryptKernels,
  shareHasher,
  turnHasher,
} from '../../../fargate/src/hashing/index.js';
import { TurnBatchHasher } from '../../../fargate/src/hashing/turn-batch.js';
import { display, litecoinBlock29255 } from './headers.js';

/** Hashes in one lane group of each kernel (scalar: a pair). */
const LANES: Record<ScryptKernel, number> = { avx512: 16, avx2: 8, neon: 4, sse2: 4, scalar: 2 };
const header80 = fc.uint8Array({ minLength: 80, maxLength: 80 });

/** Every result of a batch, compared with the one-hash scrypt of its own header. */
function expectEachLikeScrypt(headers: Uint8Array[], hashes: Buffer[]): void {
  expect(hashes).toHaveLength(headers.length);
  for (const [i, h] of headers.entries())
    expect(hashes[i]!.toString('hex'), `lane ${i}`).toBe(scrypt(h).toString('hex'));
}

describe('scrypt kernels', () => {
  it('reports the widest kernel this CPU runs, and lists the kernels its features allow', () => {
    const kernels = scryptKernels();
    expect(kernels[0]).toBe(scryptKernel());
    expect(kernels.at(-1)).toBe('scalar');
    if (arch() === 'arm64') expect(kernels).toContain('neon');
    if (arch() === 'x64') {
      expect(kernels).toContain('sse2');
      // The kernels follow the CPU's flags (on Linux the kernel's own list of them).
      const flags = new Set(/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim().split(/\s+/));
      expect(kernels.includes('avx2')).toBe(flags.has('avx2'));
      expect(kernels.includes('avx512')).toBe(flags.has('avx512f') && flags.has('avx512vl'));
    }
  });

  it('refuses a kernel the CPU cannot run (RangeError) and a name that is no kernel (TypeError)', () => {
    const missing = (['avx512', 'avx2', 'neon', 'sse2'] as const).filter((k) => !scryptKernels().includes(k));
    for (const k of missing) {
      expect(() => scryptBatch([Buffer.alloc(80)], k)).toThrow(RangeError);
      expect(() => scryptBatch([Buffer.alloc(80)], k)).toThrow(`kernel ${k} is not available`);
    }
    expect(() => scryptBatch([Buffer.alloc(80)], 'avx1024' as ScryptKernel)).toThrow(TypeError);
  });

  it('names a header that is not bytes by its index, and an empty batch gives no hashes', () => {
    const loose = scryptBatch as (headers: unknown, kernel?: ScryptKernel) => Buffer[];
    expect(() => loose([Buffer.alloc(80), 'abc'])).toThrow(
      new TypeError('scryptBatchInto: headers[1] must be a Buffer or Uint8Array'),
    );
    expect(() => loose(Buffer.alloc(80))).toThrow(TypeError);
    expect(scryptBatch([])).toEqual([]);
  });
});

// Each kernel this machine can run is forced in turn: the lanes of every width are checked, not only the default's.
describe.each(scryptKernels())('scryptBatch with the %s kernel', (kernel) => {
  const lanes = LANES[kernel];

  it('gives every lane Litecoin block 29255’s published scrypt hash when every lane holds its header', () => {
    const hashes = scryptBatch(
      Array.from({ length: lanes }, () => litecoinBlock29255.header),
      kernel,
    );
    expect(hashes.map(display)).toEqual(Array(lanes).fill(litecoinBlock29255.scrypt));
  });

  it('puts block 29255 in each lane in turn among random headers and still hashes it exactly', () => {
    const others = Array.from({ length: lanes }, (_, i) => Buffer.alloc(80, i + 1));
    for (let lane = 0; lane < lanes; lane++) {
      const headers = others.map((h, i) => (i === lane ? litecoinBlock29255.header : h));
      expect(display(scryptBatch(headers, kernel)[lane]!)).toBe(litecoinBlock29255.scrypt);
    }
  });

  it('hashes batches of every size from 1 to twice its lanes exactly as scrypt does', () => {
    fc.assert(
      fc.property(fc.array(header80, { minLength: 2 * lanes, maxLength: 2 * lanes }), (pool) => {
        for (let size = 1; size <= 2 * lanes; size++)
          expectEachLikeScrypt(pool.slice(0, size), scryptBatch(pool.slice(0, size), kernel));
      }),
      { numRuns: 3 },
    );
  });

  it('matches scrypt for random batches, with headers repeated across lanes', () => {
    fc.assert(
      fc.property(
        fc.array(header80, { minLength: 1, maxLength: lanes }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 2 * lanes }),
        (distinct, picks) => {
          const headers = picks.map((p) => distinct[p % distinct.length]!);
          expectEachLikeScrypt(headers, scryptBatch(headers, kernel));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('matches node:crypto’s scrypt for headers of any length in one batch (not only 80 bytes)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: lanes, maxLength: lanes + 3 }),
        (headers) => {
          const hashes = scryptBatch(headers, kernel);
          for (const [i, h] of headers.entries()) {
            expect(hashes[i]!.equals(scryptSync(h, h, 32, { N: 1024, r: 1, p: 1 }))).toBe(true);
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  it('hashes a lone header, a pair and three (the kernel’s one-hash code, a lone share’s) as node:crypto does', () => {
    fc.assert(
      fc.property(fc.array(header80, { minLength: 1, maxLength: 3 }), (headers) => {
        const hashes = scryptBatch(headers, kernel);
        for (const [i, h] of headers.entries()) {
          expect(hashes[i]!.toString('hex'), `hash ${i}`).toBe(
            scryptSync(h, h, 32, { N: 1024, r: 1, p: 1 }).toString('hex'),
          );
        }
      }),
      { numRuns: 15 },
    );
  });

  it('plans the cheapest calls for a batch by this CPU’s measured cost of each call, never dearer than widest first', () => {
    const { costs } = scryptBatchPlan(0, kernel);
    // The kernel's calls: its lane groups, widest first, then the one-hash code's pair and single, each costed.
    expect(costs.map((c) => c.lanes)).toEqual(
      { avx512: [16, 8, 4, 2, 1], avx2: [8, 4, 2, 1], neon: [4, 2, 1], sse2: [4, 2, 1], scalar: [2, 1] }[kernel],
    );
    for (const c of costs) expect(c.ns).toBeGreaterThan(0);
    const cost = new Map(costs.map((c) => [c.lanes, c.ns]));
    // An independent minimum: best[k] over every call, padding allowed (a call may take fewer than its lanes).
    const best = [0];
    for (let k = 1; k <= 4 * lanes; k++)
      best[k] = Math.min(...costs.map((c) => c.ns + best[Math.max(0, k - c.lanes)]!));
    const greedy = (n: number) => {
      let total = 0;
      let left = n;
      for (const c of costs) {
        while (left >= c.lanes) {
          total += c.ns;
          left -= c.lanes;
        }
      }
      return total;
    };
    for (let n = 1; n <= 4 * lanes; n++) {
      const { calls } = scryptBatchPlan(n, kernel);
      // Every call full but the last, which may pad; together exactly n.
      const taken = calls.map((l, i) => (i < calls.length - 1 ? l : n - calls.slice(0, -1).reduce((a, b) => a + b, 0)));
      expect(taken.at(-1)!, `n ${n}: ${calls}`).toBeGreaterThan(0);
      expect(taken.at(-1)!).toBeLessThanOrEqual(calls.at(-1)!);
      const total = calls.reduce((sum, l) => sum + cost.get(l)!, 0);
      expect(total, `n ${n}: ${calls}`).toBeCloseTo(best[n]!, 3);
      expect(total).toBeLessThanOrEqual(greedy(n) + 1e-6);
    }
  });

  it('refuses a batch size it cannot plan', () => {
    expect(() => scryptBatchPlan(-1, kernel)).toThrow(RangeError);
    expect(() => scryptBatchPlan(1.5, kernel)).toThrow(RangeError);
    expect(() => scryptBatchPlan('3' as unknown as number, kernel)).toThrow(TypeError);
  });

  it('gives the same hashes on the thread pool (scryptBatchAsync)', async () => {
    const headers = Array.from({ length: lanes + 1 }, (_, i) => Buffer.alloc(80, 0x40 + i));
    expectEachLikeScrypt(headers, await scryptBatchAsync(headers, kernel));
  });
});

describe('TurnBatchHasher', () => {
  const soon = (turn: TurnBatchHasher, header: Uint8Array) => hashSoon(turnHasher(turn), header);

  it('hashes the requests of one turn in one batch and the next turn’s in another, each with its own hash', async () => {
    const batches: number[] = [];
    const turn = new TurnBatchHasher(
      (headers) => {
        batches.push(headers.length);
        return scryptBatch(headers);
      },
      { idleMs: Number.POSITIVE_INFINITY },
    );
    const first = Array.from({ length: 11 }, (_, i) => Buffer.alloc(80, i));
    const hashes = await Promise.all(first.map((h) => soon(turn, h)));
    const second = await soon(turn, Buffer.alloc(80, 99));
    expect(batches).toEqual([11, 1]);
    expectEachLikeScrypt(first, hashes);
    expect(second.equals(scrypt(Buffer.alloc(80, 99)))).toBe(true);
  });

  // A synchronous batch (the native scrypt, settled within the flush) and one that answers with a promise (the
  // thread pool, rejecting later): each fails only the request whose header cannot be hashed, not the others.
  const bad = Buffer.alloc(80, 0xee);
  const checked =
    <T>(batch: (headers: Uint8Array[]) => T) =>
    (headers: Uint8Array[]) => {
      if (headers.includes(bad)) throw new Error('unhashable');
      return batch(headers);
    };
  it.each([
    ['synchronous', checked((headers) => scryptBatch(headers))],
    ['promised', async (headers: Uint8Array[]) => checked(scryptBatchAsync)(headers)],
  ] as const)('fails only the request whose header cannot be hashed (a %s batch)', async (_, batch) => {
    const turn = new TurnBatchHasher(batch, { idleMs: Number.POSITIVE_INFINITY });
    const good = [Buffer.alloc(80, 1), Buffer.alloc(80, 2)];
    const results = await Promise.allSettled([soon(turn, good[0]!), soon(turn, bad), soon(turn, good[1]!)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseFulfilledResult<Buffer>).value.equals(scrypt(good[0]!))).toBe(true);
    expect((results[2] as PromiseFulfilledResult<Buffer>).value.equals(scrypt(good[1]!))).toBe(true);
  });

  it('hands each hash to its receiver within the batch; a receiver that throws gets its own failure, the rest their hashes', async () => {
    const turn = new TurnBatchHasher((headers) => scryptBatch(headers), { idleMs: Number.POSITIVE_INFINITY });
    const told: string[] = [];
    const receiver = (name: string, throws = false) => ({
      hashed(pow: Buffer) {
        told.push(`${name} ${pow.equals(scrypt(Buffer.alloc(80, name.charCodeAt(0)))) ? 'right' : 'wrong'}`);
        if (throws) throw new Error(`${name} broke`);
      },
      hashFailed: (err: unknown) => told.push(`${name} failed: ${(err as Error).message}`),
    });
    for (const [name, throws] of [
      ['a', false],
      ['b', true],
      ['c', false],
    ] as const) {
      turn.hash(Buffer.alloc(80, name.charCodeAt(0)), receiver(name, throws));
    }
    expect(told).toEqual([]); // not within the turn that asked
    await new Promise((r) => setImmediate(r));
    expect(told).toEqual(['a right', 'b right', 'b failed: b broke', 'c right']);
  });

  it('refuses a batch function that answers with the wrong number of hashes', async () => {
    const always = { idleMs: Number.POSITIVE_INFINITY };
    const turn = new TurnBatchHasher((headers) => scryptBatch(headers).slice(1), always);
    await expect(soon(turn, Buffer.alloc(80))).rejects.toThrow('0 hashes for 1 headers');
    // The same refusal when the process was idle (the header hashed at once).
    const idle = new TurnBatchHasher((headers) => scryptBatch(headers).slice(1));
    await expect(soon(idle, Buffer.alloc(80))).rejects.toThrow('0 hashes for 1 headers');
  });

  describe('a process whose loop slept hashes a request at once', () => {
    /** A hasher whose event loop's sleep (ms waiting for I/O, in all) the test moves, recording each batch's size. */
    const clocked = (batch: (headers: Uint8Array[]) => Buffer[] | Promise<Buffer[]> = scryptBatch) => {
      const clock = { ms: 1_000 };
      const batches: number[] = [];
      const turn = new TurnBatchHasher(
        (headers) => {
          batches.push(headers.length);
          return batch(headers);
        },
        { idleMs: 1, slept: () => clock.ms },
      );
      return { turn, clock, batches };
    };
    const told = () => {
      const events: string[] = [];
      const receiver = (name: string) => ({
        hashed: (pow: Buffer) => events.push(`${name} ${pow.toString('hex')}`),
        hashFailed: (err: unknown) => events.push(`${name} failed: ${(err as Error).message}`),
      });
      return { events, receiver };
    };
    const header = (n: number) => Buffer.alloc(80, n);
    const hex = (n: number) => scrypt(header(n)).toString('hex');

    it('returns the first request’s hash within the call, and keeps the requests of a loop that has not slept for the turn’s batch', async () => {
      const { turn, clock, batches } = clocked();
      const { events, receiver } = told();
      // A fresh process is idle: hashed now, returned, its receiver not told.
      expect(turn.hash(header(1), receiver('a'))?.toString('hex')).toBe(hex(1));
      expect(batches).toEqual([1]);
      // The loop slept less than 1 ms since that work: the turn's batch, even for the first request of the next turn.
      clock.ms += 0.5;
      expect(turn.hash(header(2), receiver('b'))).toBeUndefined();
      expect(turn.hash(header(3), receiver('c'))).toBeUndefined();
      expect(events).toEqual([]);
      await new Promise((r) => setImmediate(r));
      expect(batches).toEqual([1, 2]);
      expect(events).toEqual([`b ${hex(2)}`, `c ${hex(3)}`]);
      // 0.9 ms asleep since that batch: busy. 1 ms: idle again, hashed now.
      clock.ms += 0.9;
      expect(turn.hash(header(4), receiver('d'))).toBeUndefined();
      await new Promise((r) => setImmediate(r));
      clock.ms += 1;
      expect(turn.hash(header(5), receiver('e'))?.toString('hex')).toBe(hex(5));
      expect(batches).toEqual([1, 2, 1, 1]);
      expect(events).toEqual([`b ${hex(2)}`, `c ${hex(3)}`, `d ${hex(4)}`]);
    });

    it('tells a failure to the receiver before the call returns, and the next request still gets its hash', () => {
      const bad = header(0xee);
      const { turn, clock } = clocked((headers) => {
        if (headers.includes(bad)) throw new Error('unhashable');
        return scryptBatch(headers);
      });
      const { events, receiver } = told();
      expect(turn.hash(bad, receiver('bad'))).toBeUndefined();
      expect(events).toEqual(['bad failed: unhashable']);
      clock.ms += 1;
      expect(turn.hash(header(7), receiver('next'))?.toString('hex')).toBe(hex(7));
      expect(events).toEqual(['bad failed: unhashable']);
    });

    it('hands a promised hash (the thread pool) to the receiver when it comes', async () => {
      const { turn, batches } = clocked((headers) => scryptBatchAsync(headers));
      const { events, receiver } = told();
      expect(turn.hash(header(9), receiver('a'))).toBeUndefined();
      expect(batches).toEqual([1]);
      await vi.waitFor(() => expect(events).toEqual([`a ${hex(9)}`]));
    });
  });

  it('is the scrypt share hasher: the shares of a turn get their scrypt hashes, a lone one at once', async () => {
    const hash = shareHasher('scrypt');
    const lone = Buffer.alloc(80, 0x7f);
    // A new hasher has done no work yet: the process is idle and the hash comes within the call.
    const now = hashSoon(hash, lone);
    expect(now).toBeInstanceOf(Buffer);
    expect((now as Buffer).equals(scrypt(lone))).toBe(true);
    const headers = Array.from({ length: 20 }, (_, i) => Buffer.alloc(80, 0x80 + i));
    expectEachLikeScrypt(headers, await Promise.all(headers.map((h) => hashSoon(hash, h))));
  });
});
