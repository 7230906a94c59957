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

describe('addon.sha256dShareArea', () => {
  const addon = loadHashingAddon();
  const sha256d = (b: Uint8Array) => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();
  /** coinbase ‖ branch ‖ header ‖ a digest's 32 bytes (filled with 0xee): the call's one array. */
  const areaOf = (coinbase: Buffer, branch: Buffer, header: Buffer) =>
    Buffer.concat([coinbase, branch, header, Buffer.alloc(32, 0xee)]);

  it('writes the merkle root of the coinbase and branch into the header and the header hash after it, for every kernel', () => {
    for (const kernel of addon.sha256Kernels()) {
      addon.sha256UseKernel(kernel);
      for (const steps of [0, 1, 2, 11]) {
        const coinbase = randomBytes(100 + steps * 7);
        const branch = randomBytes(32 * steps);
        const header = randomBytes(80);
        const area = areaOf(coinbase, branch, header);
        addon.sha256dShareArea(area, coinbase.length, branch.length);
        let root = sha256d(coinbase);
        for (let i = 0; i < steps; i++) root = sha256d(Buffer.concat([root, branch.subarray(32 * i, 32 * i + 32)]));
        const at = coinbase.length + branch.length;
        const written = area.subarray(at, at + 80);
        // Only the root's 32 bytes of the header change, and the coinbase and the branch not at all.
        expect(written.subarray(36, 68).equals(root), `${kernel} ${steps}`).toBe(true);
        expect(Buffer.concat([written.subarray(0, 36), written.subarray(68)])).toEqual(
          Buffer.concat([header.subarray(0, 36), header.subarray(68)]),
        );
        expect(area.subarray(0, at)).toEqual(Buffer.concat([coinbase, branch]));
        expect(area.subarray(at + 80).equals(sha256d(written))).toBe(true);
      }
    }
    addon.sha256UseKernel('auto');
  });

  it('refuses an area of another size and a branch of part steps, writing nothing', () => {
    const area = Buffer.alloc(60 + 32 + 80 + 32, 1);
    expect(() => addon.sha256dShareArea(area, 60, 33)).toThrow(RangeError); // part steps (and the size)
    expect(() => addon.sha256dShareArea(area, 61, 32)).toThrow(RangeError); // one byte short
    expect(() => addon.sha256dShareArea(area, 59, 32)).toThrow(RangeError); // one byte spare
    expect(() => addon.sha256dShareArea(area, 60 + 32 + 112, 0)).toThrow(RangeError); // no room for header and digest
    expect(area).toEqual(Buffer.alloc(60 + 32 + 80 + 32, 1));
    addon.sha256dShareArea(area, 60, 32); // the exact size is taken
    expect(area.subarray(172)).not.toEqual(Buffer.alloc(32, 1));
  });

  it('reads the area from its own offset: a subarray of a larger buffer and a Uint8Array over a SharedArrayBuffer', () => {
    const coinbase = randomBytes(120);
    const branch = randomBytes(64);
    const header = randomBytes(80);
    const expected = areaOf(coinbase, branch, header);
    addon.sha256dShareArea(expected, 120, 64);
    // [7 spare | area | 5 spare], the area at an odd offset.
    const arena = Buffer.alloc(7 + expected.length + 5, 0xaa);
    areaOf(coinbase, branch, header).copy(arena, 7);
    addon.sha256dShareArea(arena.subarray(7, 7 + expected.length), 120, 64);
    expect(arena.subarray(7, 7 + expected.length)).toEqual(expected);
    expect(arena.subarray(0, 7)).toEqual(Buffer.alloc(7, 0xaa));
    expect(arena.subarray(7 + expected.length)).toEqual(Buffer.alloc(5, 0xaa));
    const shared = new Uint8Array(new SharedArrayBuffer(expected.length));
    shared.set(areaOf(coinbase, branch, header));
    addon.sha256dShareArea(shared, 120, 64);
    expect(Buffer.from(shared)).toEqual(expected);
  });

  it('refuses, by the parameter’s name, an area that is not a Uint8Array and lengths that are not uint32 integers', () => {
    const loose = addon.sha256dShareArea as (...args: unknown[]) => void;
    const area = Buffer.alloc(60 + 112);
    const refusal = new TypeError('sha256dShareArea: area must be a Buffer or Uint8Array');
    expect(() => loose(new Uint16Array(86), 60, 0)).toThrow(refusal);
    expect(() => loose(new DataView(new ArrayBuffer(172)), 60, 0)).toThrow(refusal);
    expect(() => loose(new Uint8ClampedArray(172), 60, 0)).toThrow(refusal);
    expect(() => loose()).toThrow(refusal);
    const length = (name: string) => new TypeError(`sha256dShareArea: ${name} must be an integer in [0, 2^32)`);
    for (const bad of [-1, 0.5, Number.NaN, 2 ** 32, '60', 60n, undefined]) {
      expect(() => loose(area, bad, 0), String(bad)).toThrow(length('coinbaseLength'));
      expect(() => loose(area, 60, bad), String(bad)).toThrow(length('branchLength'));
    }
    expect(area).toEqual(Buffer.alloc(60 + 112));
  });
});
