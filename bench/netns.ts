// The load generator's own network namespace, joined to the bench's by a veth pair, and the open-files limit: so
// that the receiving side of every notify is not charged to the server under test (on loopback the sender's write
// syscall runs the receiver's TCP input too), and so that tens of thousands of sockets fit in one process.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { info, openFilesLimit } from './harness.js';

/**
 * The bench's private /24 on the veth pair: the server's side is .1, the load generator's addresses .2 and up
 * (bench/loadgen.ts connects to nothing but loopback and .1).
 */
const SUBNET = '10.77.0';
/**
 * Connections per source address: about a third of Linux's default ephemeral range (32768–60999). A load generator
 * that names its source address binds before it connects, and bind searches that address's range for a free port,
 * a search that slows as the range fills: at 25,000 an address (100,000 over 4), one load generator's 16,667
 * connections took 169 s where 10,000 at 2,500 an address took 2.2 s.
 */
export const PORTS_PER_SOURCE = 10_000;

export interface BenchNetwork {
  /** Where the server listens and the load generator connects. */
  serverHost: string;
  /** The load generator's source addresses (one per PORTS_PER_SOURCE connections). */
  sources: string[];
  /** Command prefix that starts the load generator (in the namespace, on its own CPU), or [] for a plain fork. */
  loadgenPrefix: string[];
  /** The CPU the server process keeps to itself (undefined: not pinned). */
  serverCpu?: number;
  /** What was set up, for the printout. */
  describe: string;
  teardown(): void;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
}

/** Loopback: the load generator forked as it is, its sources 127.0.0.1 … 127.0.0.n. */
function loopback(sources: number, why: string): BenchNetwork {
  console.log(`  note: load generator on loopback (${why}); its receive work is charged to the sending server`);
  return {
    serverHost: '127.0.0.1',
    sources: Array.from({ length: sources }, (_, i) => `127.0.0.${1 + i}`),
    loadgenPrefix: [],
    describe: 'loopback',
    teardown() {},
  };
}

/**
 * A namespace `edgepool-bench-<pid>` with the veth's far end and `sources` addresses on it; with
 * BENCH_NETNS_STEER=1 also its receive processing steered (RPS) to the load generator's CPU, the load generator
 * pinned there and the server (this process) pinned to CPU 0. Needs root (CAP_NET_ADMIN) and `ip`; otherwise, or with BENCH_NETNS=0, loopback with a printed note.
 * Torn down by teardown() and at exit.
 */
export function benchNetwork(connections: number): BenchNetwork {
  const sources = Math.max(1, Math.ceil(connections / PORTS_PER_SOURCE));
  if (process.env.BENCH_NETNS === '0') return loopback(sources, 'BENCH_NETNS=0');
  if (process.platform !== 'linux') return loopback(sources, 'not Linux');
  const ns = `edgepool-bench-${process.pid}`;
  const host = `epb${process.pid}h`.slice(0, 15);
  const peer = `epb${process.pid}n`.slice(0, 15);
  const cpus = availableParallelism();
  const loadgenCpu = cpus - 1;
  let torn = false;
  const teardown = () => {
    if (torn) return;
    torn = true;
    // Deleting the namespace deletes the veth end in it, and with it the pair.
    spawnSync('ip', ['netns', 'del', ns]);
    spawnSync('ip', ['link', 'del', host]);
  };
  try {
    run('ip', ['netns', 'add', ns]);
    process.once('exit', teardown);
    run('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer, 'netns', ns]);
    run('ip', ['addr', 'add', `${SUBNET}.1/24`, 'dev', host]);
    run('ip', ['link', 'set', host, 'up']);
    const inNs = (...args: string[]) => run('ip', ['netns', 'exec', ns, ...args]);
    for (let i = 0; i < sources; i++) inNs('ip', 'addr', 'add', `${SUBNET}.${2 + i}/24`, 'dev', peer);
    inNs('ip', 'link', 'set', peer, 'up');
    inNs('ip', 'link', 'set', 'lo', 'up');
    let steering = '';
    // Opt-in (BENCH_NETNS_STEER=1): on this shared 2-core VM pinning and RPS raised the server's system time per
    // write (docs/performance.md), so by default the scheduler places both processes.
    const steer = cpus > 1 && process.env.BENCH_NETNS_STEER === '1';
    if (steer) {
      // The notifies' receive processing (TCP input, the socket wake-up) on the load generator's CPU, not in the
      // server's write syscall; the miners' packets toward the server on the server's.
      const mask = (cpu: number) => (1 << cpu).toString(16);
      inNs('sh', '-c', `echo ${mask(loadgenCpu)} > /sys/class/net/${peer}/queues/rx-0/rps_cpus`);
      run('sh', ['-c', `echo ${mask(0)} > /sys/class/net/${host}/queues/rx-0/rps_cpus`]);
      run('taskset', ['-a', '-p', '-c', '0', String(process.pid)]);
      steering = `; server on CPU 0, load generator and its receive processing (RPS) on CPU ${loadgenCpu}`;
    }
    return {
      serverHost: `${SUBNET}.1`,
      sources: Array.from({ length: sources }, (_, i) => `${SUBNET}.${2 + i}`),
      loadgenPrefix: ['ip', 'netns', 'exec', ns, ...(steer ? ['taskset', '-c', String(loadgenCpu)] : [])],
      serverCpu: steer ? 0 : undefined,
      describe: `network namespace ${ns} over a veth pair (${SUBNET}.1 ↔ ${sources} source address${sources > 1 ? 'es' : ''})${steering}`,
      teardown,
    };
  } catch (err) {
    teardown();
    return loopback(sources, `no network namespace: ${(err as Error).message.split('\n')[0]}`);
  }
}

/**
 * Raises this process's open-files limit (soft and hard) as far as the kernel allows (fs.nr_open), with prlimit:
 * processes forked afterwards (the load generator, stratum processes) inherit it. Prints what it changed.
 */
export function raiseOpenFiles(wanted: number): void {
  const before = openFilesLimit();
  if (!before || before.soft >= wanted) return;
  let to = wanted;
  try {
    to = Math.min(wanted, Number(readFileSync('/proc/sys/fs/nr_open', 'utf8')));
  } catch {
    // not Linux: try what was asked
  }
  const r = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${to}:${to}`], { encoding: 'utf8' });
  const after = openFilesLimit();
  const why = r.status === 0 ? '' : ` (prlimit: ${(r.stderr || r.error?.message || '').trim()})`;
  info('open-files limit raised (prlimit)', `${before.soft} (hard ${before.hard}) → ${after?.soft}${why}`);
}

/** Runs `measure` with the bench network for `connections` (printed), torn down after. */
export async function withBenchNetwork<T>(connections: number, measure: (net: BenchNetwork) => Promise<T>): Promise<T> {
  const net = benchNetwork(connections);
  info('load generator', net.describe);
  try {
    return await measure(net);
  } finally {
    net.teardown();
  }
}
