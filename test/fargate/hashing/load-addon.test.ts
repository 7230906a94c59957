import { createHash, randomBytes, scryptSync } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ADDON_PATH, loadHashingAddon } from '../../../fargate/src/hashing/load-addon.js';

describe('loadHashingAddon', () => {
  it('tells the operator to run npm install when the addon has not been built', () => {
    const missing = '/nonexistent/fargate/native/build/Release/pool_hashing.node';
    expect(() => loadHashingAddon(missing)).toThrow(/is missing: run `npm install`/);
  });

  it('keeps the underlying load error as the cause', () => {
    try {
      loadHashingAddon('/nonexistent/pool_hashing.node');
      expect.unreachable('load should have failed');
    } catch (error) {
      expect((error as Error).cause).toMatchObject({ code: 'MODULE_NOT_FOUND' });
    }
  });

  it('loads the built addon with its three functions', () => {
    const addon = loadHashingAddon();
    expect(typeof addon.sha256d).toBe('function');
    expect(typeof addon.scrypt).toBe('function');
    expect(typeof addon.scryptRaw).toBe('function');
  });

  it('hashes correctly from several worker threads at once (each thread has its own scrypt scratch area)', async () => {
    // Plain JS worker: it loads the .node file directly, so it needs no TypeScript loader.
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { randomBytes } = require('node:crypto');
      const addon = require(workerData.path);
      const results = [];
      for (let i = 0; i < 150; i++) {
        const header = randomBytes(80);
        results.push([header.toString('hex'), addon.scrypt(header).toString('hex')]);
      }
      parentPort.postMessage(results);
    `;
    const runWorker = () =>
      new Promise<Array<[string, string]>>((resolve, reject) => {
        const worker = new Worker(source, { eval: true, workerData: { path: DEFAULT_ADDON_PATH } });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    const batches = await Promise.all([runWorker(), runWorker(), runWorker()]);
    for (const [headerHex, hashHex] of batches.flat()) {
      const header = Buffer.from(headerHex, 'hex');
      expect(hashHex).toBe(scryptSync(header, header, 32, { N: 1024, r: 1, p: 1 }).toString('hex'));
    }
  });
});

describe('addon.sha256dInto', () => {
  const addon = loadHashingAddon();

  it('writes the same digest as addon.sha256d into the first 32 bytes of out and leaves the rest alone', () => {
    const data = Buffer.from('abc');
    const out = Buffer.alloc(40, 0xee);
    addon.sha256dInto(data, out);
    expect(out.subarray(0, 32).equals(addon.sha256d(data))).toBe(true);
    expect(out.subarray(32).equals(Buffer.alloc(8, 0xee))).toBe(true);
  });

  it('throws a RangeError when out is shorter than 32 bytes', () => {
    expect(() => addon.sha256dInto(Buffer.from('abc'), Buffer.alloc(31))).toThrow(
      new RangeError('sha256dInto: out must hold at least 32 bytes'),
    );
  });

  it('throws a TypeError when out is not a Buffer or Uint8Array', () => {
    const loose = addon.sha256dInto as (...args: unknown[]) => void;
    expect(() => loose(Buffer.from('abc'), new Uint32Array(8))).toThrow(
      new TypeError('sha256dInto: out must be a Buffer or Uint8Array'),
    );
  });
});

describe('addon.sha256dShareInto', () => {
  const addon = loadHashingAddon();
  const sha256d = (b: Uint8Array) => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();

  it('writes the merkle root of the coinbase and branch into the header and the header hash into out, for every kernel', () => {
    for (const kernel of addon.sha256Kernels()) {
      addon.sha256UseKernel(kernel);
      for (const steps of [0, 1, 2, 11]) {
        const coinbase = randomBytes(100 + steps * 7);
        const branch = randomBytes(32 * steps);
        const header = randomBytes(80);
        const before = Buffer.from(header);
        const out = Buffer.alloc(40, 0xee);
        addon.sha256dShareInto(coinbase, branch, header, out);
        let root = sha256d(coinbase);
        for (let i = 0; i < steps; i++) root = sha256d(Buffer.concat([root, branch.subarray(32 * i, 32 * i + 32)]));
        // Only the root's 32 bytes of the header change.
        expect(header.subarray(36, 68).equals(root), `${kernel} ${steps}`).toBe(true);
        expect(Buffer.concat([header.subarray(0, 36), header.subarray(68)])).toEqual(
          Buffer.concat([before.subarray(0, 36), before.subarray(68)]),
        );
        expect(out.subarray(0, 32).equals(sha256d(header))).toBe(true);
        expect(out.subarray(32).equals(Buffer.alloc(8, 0xee))).toBe(true);
      }
    }
    addon.sha256UseKernel('auto');
  });

  it('refuses a header of another size, a branch of part steps and a short out, writing nothing', () => {
    const header = Buffer.alloc(80, 1);
    const out = Buffer.alloc(32, 2);
    expect(() => addon.sha256dShareInto(Buffer.alloc(60), Buffer.alloc(0), Buffer.alloc(79), out)).toThrow(RangeError);
    expect(() => addon.sha256dShareInto(Buffer.alloc(60), Buffer.alloc(33), header, out)).toThrow(RangeError);
    expect(() => addon.sha256dShareInto(Buffer.alloc(60), Buffer.alloc(32), header, Buffer.alloc(31))).toThrow(
      RangeError,
    );
    const loose = addon.sha256dShareInto as (...args: unknown[]) => void;
    expect(() => loose('coinbase', Buffer.alloc(0), header, out)).toThrow(TypeError);
    expect(header).toEqual(Buffer.alloc(80, 1));
    expect(out).toEqual(Buffer.alloc(32, 2));
  });

  it('reads every argument from its own offset: subarrays of one buffer and a Uint8Array over a SharedArrayBuffer', () => {
    const coinbase = randomBytes(120);
    const branch = randomBytes(64);
    const header = randomBytes(80);
    const expected = Buffer.alloc(32);
    const expectedHeader = Buffer.from(header);
    addon.sha256dShareInto(coinbase, branch, expectedHeader, expected);
    // One arena: [7 spare | coinbase | branch | header | out], every piece at an odd offset.
    const arena = Buffer.alloc(7 + 120 + 64 + 80 + 32, 0xaa);
    coinbase.copy(arena, 7);
    branch.copy(arena, 127);
    header.copy(arena, 191);
    addon.sha256dShareInto(
      arena.subarray(7, 127),
      arena.subarray(127, 191),
      arena.subarray(191, 271),
      arena.subarray(271, 303),
    );
    expect(arena.subarray(191, 271)).toEqual(expectedHeader);
    expect(arena.subarray(271, 303)).toEqual(expected);
    expect(arena.subarray(0, 7)).toEqual(Buffer.alloc(7, 0xaa));
    const shared = new Uint8Array(new SharedArrayBuffer(32));
    addon.sha256dShareInto(coinbase, branch, Buffer.from(header), shared);
    expect(Buffer.from(shared)).toEqual(expected);
  });

  it('refuses, by the parameter’s name, what is not a Uint8Array: other typed arrays, a DataView, a missing argument', () => {
    const loose = addon.sha256dShareInto as (...args: unknown[]) => void;
    const header = Buffer.alloc(80);
    const out = Buffer.alloc(32);
    const refusal = (name: string) => new TypeError(`sha256dShareInto: ${name} must be a Buffer or Uint8Array`);
    expect(() => loose(new Uint16Array(30), Buffer.alloc(0), header, out)).toThrow(refusal('coinbase'));
    expect(() => loose(Buffer.alloc(60), new DataView(new ArrayBuffer(32)), header, out)).toThrow(refusal('branch'));
    expect(() => loose(Buffer.alloc(60), Buffer.alloc(0), new Uint8ClampedArray(80), out)).toThrow(refusal('header'));
    expect(() => loose(Buffer.alloc(60), Buffer.alloc(0), header, new ArrayBuffer(32))).toThrow(refusal('out'));
    expect(() => loose(Buffer.alloc(60), Buffer.alloc(0), header)).toThrow(refusal('out'));
    expect(header).toEqual(Buffer.alloc(80));
  });
});
