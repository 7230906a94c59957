// The scrypt kernels outside Node: bench/native/scrypt-kernels.cc built from the addon's sources (with
// fargate/native/binding.gyp's per-file flags), for the lane check on another target (arm64 under qemu-user), the
// instructions per hash of each kernel (callgrind where valgrind runs the kernel; a ptrace single-step count for the
// AVX-512 kernel, which valgrind 3.19 cannot run), and pooler's cpuminer run side by side.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callgrindTotal } from './instructions.js';

const SRC = fileURLToPath(new URL('../fargate/native/src/', import.meta.url));
const NATIVE = fileURLToPath(new URL('./native/', import.meta.url));

export type DriverTarget = 'host' | 'arm64';

/** The C++ compiler for a target, or undefined when it is not installed. */
function compilerFor(target: DriverTarget): string | undefined {
  const cxx = target === 'host' ? 'g++' : 'aarch64-linux-gnu-g++';
  try {
    execFileSync(cxx, ['--version'], { stdio: 'ignore' });
    return cxx;
  } catch {
    return undefined;
  }
}

function commandExists(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface KernelDriver {
  /** Runs the driver with these arguments (under qemu-user for arm64); its stdout. */
  run(args: string[]): string;
  path: string;
  target: DriverTarget;
  remove(): void;
}

/**
 * Builds the driver for `target` (static, so that qemu-user needs no arm64 libraries), or undefined with the reason
 * when the compiler (or, for arm64, qemu-aarch64) is missing.
 */
export function buildKernelDriver(target: DriverTarget): KernelDriver | string {
  const cxx = compilerFor(target);
  if (!cxx) return `no ${target === 'host' ? 'g++' : 'aarch64-linux-gnu-g++'}`;
  if (target === 'arm64' && !commandExists('qemu-aarch64')) return 'no qemu-aarch64 (qemu-user)';
  const dir = mkdtempSync(join(tmpdir(), `scrypt-kernels-${target}-`));
  const flags = ['-O3', '-std=c++17', `-I${SRC}`];
  // Every source the scrypt code links against; the AVX files only on x86-64, each with its own flags (binding.gyp).
  const objects: string[] = [];
  const compile = (file: string, extra: string[] = []) => {
    const out = join(dir, `${file}.o`);
    execFileSync(cxx, [...flags, ...extra, '-c', join(SRC, file), '-o', out]);
    objects.push(out);
  };
  for (const file of readdirSync(SRC).filter((f) => /^sha256.*\.cc$/.test(f))) compile(file);
  compile('scrypt.cc');
  compile('scrypt_x4.cc');
  if (target === 'host' && process.arch === 'x64') {
    compile('scrypt_avx2.cc', ['-mavx2']);
    compile('scrypt_avx512.cc', ['-mavx512f', '-mavx512vl', '-Wno-uninitialized']);
  }
  const path = join(dir, 'scrypt-kernels');
  execFileSync(cxx, [...flags, '-static', join(NATIVE, 'scrypt-kernels.cc'), ...objects, '-o', path]);
  const runner = target === 'arm64' ? ['qemu-aarch64', path] : [path];
  return {
    path,
    target,
    run: (args) => execFileSync(runner[0]!, [...runner.slice(1), ...args], { encoding: 'utf8' }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Hashes per second of thread CPU time of one kernel in the driver (no Node, no event loop). */
export function driverRate(driver: KernelDriver, kernel: string, seconds: number): number {
  return Number(driver.run(['rate', kernel, String(seconds)]).trim());
}

/**
 * Instructions per hash of a kernel under callgrind: a run of `hashes` less a run of none (start-up, exit), divided.
 * Undefined when valgrind cannot run the kernel (it hides CPU features it does not emulate, e.g. AVX-512).
 */
export function callgrindPerHash(driver: KernelDriver, kernel: string, hashes: number): number | undefined {
  const count = (n: number): number | undefined => {
    const dir = mkdtempSync(join(tmpdir(), 'scrypt-callgrind-'));
    try {
      execFileSync(
        'valgrind',
        ['--tool=callgrind', `--callgrind-out-file=${join(dir, 'out')}`, driver.path, 'count', kernel, String(n)],
        { stdio: 'ignore' },
      );
      return callgrindTotal(readFileSync(join(dir, 'out'), 'utf8'));
    } catch {
      return undefined; // the driver refused the kernel under valgrind
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const none = count(0);
  const some = count(hashes);
  return none === undefined || some === undefined ? undefined : (some - none) / hashes;
}

/**
 * The same count by single-stepping the driver with ptrace (bench/native/count-steps.c): any kernel, ~50k steps/s.
 * `sha256`: PBKDF2's SHA-256 kernel (default the fastest available).
 */
export function steppedPerHash(
  driver: KernelDriver,
  kernel: string,
  hashes: number,
  sha256?: string,
): number | undefined {
  if (!compilerFor('host')) return undefined;
  const counter = join(driver.path, '..', 'count-steps');
  execFileSync('gcc', ['-O2', join(NATIVE, 'count-steps.c'), '-o', counter]);
  const env = sha256 ? { ...process.env, SCRYPT_SHA256_KERNEL: sha256 } : process.env;
  const count = (n: number) =>
    Number(execFileSync(counter, [driver.path, 'count', kernel, String(n)], { encoding: 'utf8', env }));
  return (count(hashes) - count(0)) / hashes;
}

/**
 * pooler's cpuminer (`minerd --benchmark -a scrypt -t 1`) for about `seconds`: the mean of the hash rates it reports
 * after its first report, or undefined when no minerd is found (BENCH_MINERD, else PATH).
 */
export async function cpuminerRate(seconds: number): Promise<number | undefined> {
  const minerd = process.env.BENCH_MINERD ?? (commandExists('minerd') ? 'minerd' : undefined);
  if (!minerd) return undefined;
  const child = spawn(minerd, ['--benchmark', '-a', 'scrypt', '-t', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  let failed: Error | undefined;
  child.on('error', (err) => {
    failed = err; // a BENCH_MINERD that does not run: printed, the rest of the section goes on
  });
  child.stderr.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  child.kill();
  if (child.exitCode === null && child.signalCode === null && !failed)
    await new Promise((resolve) => child.once('close', resolve));
  if (failed) {
    console.log(`  cpuminer ${minerd} did not run: ${failed.message}`);
    return undefined;
  }
  // "thread 0: 99672 hashes, 19.89 khash/s"
  const rates = [...log.matchAll(/thread 0: \d+ hashes, ([\d.]+) (k?)hash\/s/g)].map(
    (m) => Number(m[1]) * (m[2] === 'k' ? 1000 : 1),
  );
  const steady = rates.slice(1);
  if (steady.length === 0) return rates[0];
  return steady.reduce((a, b) => a + b, 0) / steady.length;
}
