import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A C probe of this machine from `bench/native/<name>.c`, built with gcc and run with `args`: its standard output, or
 * why it could not be built (no gcc) as `{ failed }`. The probes time the kernel and the VM beneath Node (a lone
 * write after a sleep, a system call), so that a figure can be read against what the machine itself allows.
 */
export function runProbe(name: string, args: readonly string[]): string | { failed: string } {
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  try {
    const program = join(dir, name);
    try {
      execFileSync('gcc', ['-O2', '-o', program, fileURLToPath(new URL(`./native/${name}.c`, import.meta.url))], {
        stdio: 'ignore',
      });
    } catch (err) {
      return { failed: `gcc failed (${(err as Error).message.split('\n')[0]})` };
    }
    return execFileSync(program, args, { encoding: 'utf8', timeout: 60_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One system call that does nothing (getppid), in ns: the best and the median of 7 rounds of 200,000. */
export function syscallCost(): { bestNs: number; medianNs: number } | string {
  const out = runProbe('syscall-cost', ['200000', '7']);
  if (typeof out !== 'string') return out.failed;
  const [bestNs, medianNs] = out.trim().split(' ').map(Number);
  return { bestNs: bestNs!, medianNs: medianNs! };
}
