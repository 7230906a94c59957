import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The `pool` CLI as an operator runs it (bin/pool.mjs). */
export const POOL_CLI = join(import.meta.dirname, '../../bin/pool.mjs');

/** Runs `pool <args>` in its own process; a non-zero exit is a result, not an exception. */
export async function poolCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [POOL_CLI, ...args], {
      env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
