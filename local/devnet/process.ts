import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { stopProcess, track } from './children.js';

/** How to start one devnet daemon (litecoind, btcd, btcwallet) and tell when it is ready. */
export interface DaemonSpec {
  /** For messages: "litecoind node-a", "btcd". */
  name: string;
  /** Executable path, or a name looked up on PATH. */
  command: string;
  args: string[];
  /** The daemon's environment; default this process's. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where the daemon's pid is kept. A previous run that died without cleanup (SIGKILL, crash) may have left its
   * daemon running on the same data directory, holding its lock: the next start stops it through this file.
   */
  pidFile: string;
  /** An argument only a daemon of this devnet directory has (e.g. `-datadir=<dir>`): identifies a leftover as ours. */
  marker: string;
  /** Where the daemon logs, for error messages. */
  logPath: string;
  /** Resolves once the daemon answers (its RPC); throws while it does not. */
  ready: () => Promise<unknown>;
  readyTimeoutMs?: number;
  /** The error's text when the executable is missing. */
  missing: string;
}

export interface DaemonProcess {
  proc: ChildProcess;
  /** SIGTERM, SIGKILL after graceMs (15 s); resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

export class DevnetStartError extends Error {
  constructor(
    message: string,
    readonly logPath: string,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (log: ${logPath})`, options);
  }

  /** Someone took the port between our probe and the daemon's bind: worth a retry on other ports. */
  get portTaken(): boolean {
    return /Unable to bind|Unable to start HTTP server|Address already in use/i.test(this.stderr);
  }
}

/**
 * Stops a leftover of this directory, spawns the daemon (stdout ignored: the daemons log to files), records its pid
 * and waits until `ready` resolves. Throws DevnetStartError with the daemon's stderr (or stdout's last lines) if it
 * exits first or is not ready in time.
 */
export async function spawnDaemon(spec: DaemonSpec): Promise<DaemonProcess> {
  const readyTimeoutMs = spec.readyTimeoutMs ?? 30_000;
  await stopLeftover(spec.pidFile, spec.marker);
  // The console goes to a file, not a pipe to us: a daemon that outlives this process (killed with SIGKILL) would die
  // of SIGPIPE at its next log line — btcd logs to stdout too — without flushing its database.
  const consoleFile = `${spec.pidFile}.console`;
  const out = openSync(consoleFile, 'w', 0o600);
  let proc: ChildProcess;
  try {
    proc = spawn(spec.command, spec.args, { stdio: ['ignore', out, out], env: spec.env ?? process.env });
  } finally {
    closeSync(out);
  }
  // btcd and btcwallet print fatal start errors on stdout; only the tail matters.
  const output = () => readFileSync(consoleFile, 'utf8').slice(-4_000);
  await new Promise<void>((resolve, reject) => {
    proc.once('spawn', resolve);
    proc.once('error', (err) =>
      reject((err as NodeJS.ErrnoException).code === 'ENOENT' ? new Error(spec.missing) : err),
    );
  });
  track(proc);
  await writeFile(spec.pidFile, `${proc.pid}\n`, { mode: 0o600 });
  const daemon: DaemonProcess = { proc, stop: (graceMs = 15_000) => stopProcess(proc, graceMs) };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      const why = output().trim() || `exit code ${proc.exitCode ?? proc.signalCode}`;
      throw new DevnetStartError(`${spec.name} exited during start: ${why}`, spec.logPath, why);
    }
    try {
      await spec.ready();
      return daemon;
    } catch (err) {
      if (Date.now() > deadline) {
        await daemon.stop();
        throw new DevnetStartError(`${spec.name} not ready after ${readyTimeoutMs} ms`, spec.logPath, '', {
          cause: err,
        });
      }
      await sleep(50);
    }
  }
}

/** Stops the process the pid file names if it is still a daemon started with `marker` (this data directory). */
export async function stopLeftover(pidFile: string, marker: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(pidFile, 'utf8')).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isOurs(pid, marker)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (isOurs(pid, marker)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await sleep(100);
  }
}

/** A live (not zombie) process whose command line has exactly `marker` as one argument. */
function isOurs(pid: number, marker: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie (state Z) has exited; it only waits for its parent to reap it.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && argv.includes(marker);
  } catch {
    return false; // no such process (or no /proc): nothing to stop
  }
}

/** Ports nobody listens on right now, on 127.0.0.1. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => {
      const s = createServer();
      return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve(s));
      });
    }),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
