import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

export interface PoolProcess {
  child: ChildProcess;
  pid: number;
  stratumPort: number;
  /** The HTTP server (API, health) of the process, e.g. http://127.0.0.1:41234. */
  http: string;
  /** How long from spawn until the pool wrote `pool.json` (it serves then). */
  startMs: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * SIGTERM (graceful: drain, flush, wait for ingest, close storage) and wait until the pool says it stopped (it
   * removes pool.json). The process itself may linger after that — a template long poll to the daemon is not
   * aborted — so it gets SIGKILL if it has not exited a moment later; `lingered` says so.
   */
  stop(timeoutMs?: number): Promise<{ stoppedMs: number; lingered: boolean }>;
}

/**
 * Runs the pool as production runs it locally — `pool start --config FILE --data-dir DIR` (local/cli.ts) in a
 * child process of its own — so that a test can SIGKILL it. Node runs tsx directly (not through npx), so the pid is
 * the pool's own. Its output goes to `logFile`, which the error of a failed start quotes.
 */
export async function startPoolProcess(opts: {
  dataDir: string;
  configFile: string;
  logFile: string;
  /** pino level of the pool's log (default: LOG_LEVEL, else warn). */
  logLevel?: string;
  readyTimeoutMs?: number;
}): Promise<PoolProcess> {
  const started = performance.now();
  const out = openSync(opts.logFile, 'a');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'local/cli.ts', 'start', '--config', opts.configFile, '--data-dir', opts.dataDir],
    {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: opts.logLevel ?? process.env.LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', out, out],
    },
  );
  closeSync(out);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const pid = child.pid!;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    // pool.json names the running pool; one left by a killed predecessor carries that one's pid.
    const info = await readPoolFile(opts.dataDir);
    if (info?.pid === pid) {
      return {
        child,
        pid,
        stratumPort: info.stratumPort,
        http: info.http,
        startMs: Math.round(performance.now() - started),
        exited,
        stop: async (timeoutMs = 30_000) => {
          const t0 = performance.now();
          child.kill('SIGTERM');
          const gone = Date.now() + timeoutMs;
          while ((await readPoolFile(opts.dataDir))?.pid === pid && child.exitCode === null && Date.now() < gone) {
            await new Promise((r) => setTimeout(r, 50));
          }
          if ((await readPoolFile(opts.dataDir))?.pid === pid) throw new Error(`pool did not stop in ${timeoutMs} ms`);
          const stoppedMs = Math.round(performance.now() - t0);
          const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
          const end = await exited;
          clearTimeout(timer);
          return { stoppedMs, lingered: end.signal === 'SIGKILL' };
        },
      };
    }
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const log = await readFile(opts.logFile, 'utf8').catch(() => '');
      throw new Error(`pool process did not start (exit ${child.exitCode ?? child.signalCode}):\n${log.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function readPoolFile(dataDir: string): Promise<{ pid: number; http: string; stratumPort: number } | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, 'pool.json'), 'utf8'));
  } catch {
    return undefined; // not there yet, or being written
  }
}
