import type { ChildProcess } from 'node:child_process';

/**
 * Daemons this process started must not outlive it. On a normal exit they get SIGTERM (they flush and stop on
 * their own). On SIGINT/SIGTERM, when nobody else handles the signal (e.g. during the first-start mining, before
 * `npm start` installs its graceful shutdown), they are stopped and the signal is raised again so the process
 * still dies of it. When another handler exists, it owns shutdown and calls Devnet.stop(); 'exit' stays the backstop.
 */
const running = new Set<ChildProcess>();
let installed = false;

export function track(proc: ChildProcess): void {
  install();
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', () => {
    for (const p of running) p.kill('SIGTERM');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) return;
      process.removeListener(signal, onSignal);
      void stopAll(5_000).finally(() => process.kill(process.pid, signal));
    };
    process.on(signal, onSignal);
  }
}

/**
 * Last started first, one at a time: a daemon that depends on another (btcwallet on btcd) goes before it, rather
 * than retrying its connection to a stopped one until it is killed.
 */
async function stopAll(graceMs: number): Promise<void> {
  for (const p of [...running].reverse()) await stopProcess(p, graceMs);
}

/** SIGTERM, then SIGKILL if it has not exited after graceMs. Resolves once it has exited. */
export async function stopProcess(proc: ChildProcess, graceMs: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
