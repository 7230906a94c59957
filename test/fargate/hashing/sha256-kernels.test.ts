import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { rootFromBranch } from '../../../core/chain/merkle.js';
import {
  scryptRaw,
  sha256d,
  sha256Kernel,
  sha256Kernels,
  useSha256Kernel,
} from '../../../fargate/src/hashing/index.js';

const cryptoSha256d = (data: Uint8Array): Buffer =>
  createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
const cryptoRoot = (leaf: Buffer, branch: Buffer[]): Buffer =>
  branch.reduce((h, step) => cryptoSha256d(Buffer.concat([h, step])), leaf);

const kernels = sha256Kernels();

describe('SHA-256 kernels', () => {
  afterAll(() => useSha256Kernel('auto'));

  it('uses the fastest kernel this CPU has, and always offers the portable one', () => {
    expect(kernels.at(-1)).toBe('scalar');
    expect(sha256Kernel()).toBe(kernels[0]);
    const cpu = process.arch === 'x64' ? 'sha-ni' : process.arch === 'arm64' ? 'armv8-sha2' : undefined;
    // Where /proc/cpuinfo says the CPU has the SHA extensions, the addon must have found and chosen them.
    let flags = '';
    try {
      flags = execFileSync('cat', ['/proc/cpuinfo'], { encoding: 'utf8' });
    } catch {}
    const hasSha = process.arch === 'x64' ? /\bsha_ni\b/.test(flags) : /\bsha2\b/.test(flags);
    if (cpu && hasSha) expect(kernels[0]).toBe(cpu);
  });

  it('refuses a kernel this CPU cannot run and keeps the one in use', () => {
    const missing = ['sha-ni', 'armv8-sha2'].find((k) => !kernels.includes(k as never));
    if (missing) expect(() => useSha256Kernel(missing as never)).toThrow(RangeError);
    expect(() => useSha256Kernel('nonsense' as never)).toThrow(/no kernel "nonsense"/);
    expect(sha256Kernel()).toBe(kernels[0]);
  });

  for (const kernel of kernels) {
    describe(`forced to ${kernel}`, () => {
      it('gives node:crypto’s sha256d for random data of random lengths (every padding case)', () => {
        useSha256Kernel(kernel);
        expect(sha256Kernel()).toBe(kernel);
        fc.assert(
          fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (data) => {
            expect(sha256d(data).toString('hex')).toBe(cryptoSha256d(data).toString('hex'));
          }),
          { numRuns: 400 },
        );
        // Lengths around the block boundaries, where the padding takes one or two blocks.
        for (const n of [55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 4096 + 3]) {
          const data = Buffer.alloc(n, n & 0xff);
          expect(sha256d(data).equals(cryptoSha256d(data))).toBe(true);
        }
      });

      it('gives node:crypto’s merkle root for a coinbase folded with a random branch', () => {
        useSha256Kernel(kernel);
        fc.assert(
          fc.property(
            fc.uint8Array({ minLength: 60, maxLength: 250 }),
            fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 12 }),
            (coinbase, steps) => {
              const branch = steps.map((s) => Buffer.from(s));
              const ours = rootFromBranch(sha256d(coinbase), branch, sha256d);
              expect(ours.equals(cryptoRoot(cryptoSha256d(coinbase), branch))).toBe(true);
            },
          ),
          { numRuns: 200 },
        );
      });

      it('keeps scrypt’s PBKDF2 (built on the same compression) at the RFC 7914 vector', () => {
        useSha256Kernel(kernel);
        // RFC 7914 §12, the second vector: scrypt("password", "NaCl", N=1024, r=8, p=16, 64).
        const dk = scryptRaw(Buffer.from('password'), Buffer.from('NaCl'), 1024, 8, 16, 64);
        expect(dk.toString('hex')).toBe(
          'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
        );
      });
    });
  }
});

/** The ARMv8 kernel, cross-compiled and run under qemu-user when both are installed (not assumed). */
const cross = (() => {
  try {
    execFileSync('aarch64-linux-gnu-g++', ['--version'], { stdio: 'ignore' });
    execFileSync('qemu-aarch64', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('the arm64 build of the kernels', () => {
  it.skipIf(!cross)(
    'chooses armv8-sha2 and matches the portable kernel on 2,000 random lengths (qemu-aarch64)',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'sha256-arm64-'));
      try {
        const src = fileURLToPath(new URL('../../../fargate/native/src/', import.meta.url));
        const driver = fileURLToPath(new URL('./sha256-kernels-driver.cc', import.meta.url));
        const exe = join(dir, 'driver');
        execFileSync('aarch64-linux-gnu-g++', [
          '-O2',
          '-std=c++17',
          '-Wall',
          '-Wextra',
          '-Werror',
          `-I${src}`,
          driver,
          join(src, 'sha256.cc'),
          join(src, 'sha256_kernels.cc'),
          '-o',
          exe,
        ]);
        const out = execFileSync('qemu-aarch64', ['-L', '/usr/aarch64-linux-gnu', exe], { encoding: 'utf8' });
        expect(out).toContain('kernel armv8-sha2\nkernel scalar\n');
        expect(out).toContain('sha256(abc) ba7816bf... mismatches 0');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
