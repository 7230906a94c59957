// The block submit bench's fake coin daemon in a process of its own (bench/submit.ts): the submitblock request it
// times is then read by another process, as a real daemon reads it, and its HTTP parsing does not compete with the
// stratum server's event loop. Arrival times are process.hrtime (CLOCK_MONOTONIC), comparable across processes.
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { FakeDaemon } from './pool.js';

type ToDaemon = { type: 'template'; template: Record<string, unknown> } | { type: 'submits' } | { type: 'stop' };
type FromDaemon =
  | { type: 'ready'; url: string }
  | { type: 'template' }
  | { type: 'submits'; submits: Array<{ at: string; nonceLe: string }> };

/** The parent's handle on the forked daemon: its URL, its template, the submitblock requests it read. */
export class DaemonProcess {
  /** Its JSON-RPC endpoint, http://127.0.0.1:<port>. */
  url = '';
  /** How it was kept from taking the server's CPU (printed by the bench). */
  priority = '';

  private constructor(private readonly child: ChildProcess) {}

  static async start(template: Record<string, unknown>): Promise<DaemonProcess> {
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_SUBMIT_DAEMON: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const daemon = new DaemonProcess(child);
    daemon.priority = yieldToServer(child.pid as number);
    daemon.send({ type: 'template', template });
    daemon.url = (await daemon.next('ready')).url;
    return daemon;
  }

  /** Serves `template` to getblocktemplate from now on. */
  async setTemplate(template: Record<string, unknown>): Promise<void> {
    this.send({ type: 'template', template });
    await this.next('template');
  }

  /** Every submitblock read so far: when it arrived (hrtime, ns) and the header's nonce bytes (hex). */
  async submits(): Promise<Array<{ at: bigint; nonceLe: string }>> {
    this.send({ type: 'submits' });
    const { submits } = await this.next('submits');
    return submits.map((s) => ({ at: BigInt(s.at), nonceLe: s.nonceLe }));
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    if (this.child.connected) this.send({ type: 'stop' });
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(kill);
  }

  private send(m: ToDaemon): void {
    this.child.send(m);
  }

  private next<T extends FromDaemon['type']>(type: T): Promise<Extract<FromDaemon, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromDaemon) => {
        if (m.type !== type) return;
        this.child.off('exit', onExit);
        this.child.off('message', onMessage);
        resolve(m as Extract<FromDaemon, { type: T }>);
      };
      const onExit = (code: number | null) => {
        this.child.off('message', onMessage);
        reject(new Error(`bench daemon exited (${code}) before answering ${type}`));
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }
}

/**
 * The daemon runs only when a CPU is otherwise idle (SCHED_IDLE; else nice 19). On loopback the server's write wakes
 * the daemon inside the write call, and a woken daemon with normal priority took the server's CPU there (wake-up
 * preemption), before the call returned: a cost of this bench's topology, not of the pool, whose daemon is elsewhere.
 */
function yieldToServer(pid: number): string {
  try {
    execFileSync('chrt', ['--idle', '--pid', '0', String(pid)], { stdio: 'ignore' });
    return 'SCHED_IDLE';
  } catch {
    setPriority(pid, 19);
    return 'nice 19 (no chrt)';
  }
}

if (process.env.BENCH_SUBMIT_DAEMON === '1') {
  const send = process.send?.bind(process) as (m: FromDaemon) => void;
  let daemon: FakeDaemon | undefined;
  process.on('message', async (m: ToDaemon) => {
    if (m.type === 'template') {
      if (daemon) {
        daemon.template = m.template;
        send({ type: 'template' });
      } else {
        daemon = await FakeDaemon.start(m.template);
        send({ type: 'ready', url: daemon.url });
      }
    } else if (m.type === 'submits') {
      const submits = (daemon?.submits ?? []).map((s) => ({ at: String(s.at), nonceLe: s.nonceLe }));
      send({ type: 'submits', submits });
    } else {
      await daemon?.close();
      process.disconnect();
    }
  });
}
