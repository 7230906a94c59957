import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DaemonClient } from '../../adapters/rpc/daemon-client.js';
import { stopProcess, track } from './children.js';

export interface Credentials {
  user: string;
  password: string;
}

export interface NodeSpec {
  name: string;
  /** -datadir; the chain lives in `<dir>/regtest`, the log in `<dir>/regtest/debug.log`. */
  dir: string;
  rpcPort: number;
  p2pPort: number;
  creds: Credentials;
  /** Extra arguments, e.g. `-connect=127.0.0.1:<port>`. */
  extra: string[];
}

export interface LitecoindNode {
  spec: NodeSpec;
  proc: ChildProcess;
  /** No wallet path. */
  client: DaemonClient;
  url: string;
  stop(graceMs?: number): Promise<void>;
}

/** Regtest, loopback only, no outside peers, quiet console; the log goes to debug.log in the data directory. */
function args(s: NodeSpec): string[] {
  return [
    '-regtest',
    `-datadir=${s.dir}`,
    // Our own name and place: stopLeftover() finds a previous run's process through it.
    `-pid=${pidFile(s.dir)}`,
    '-server=1',
    '-listen=1',
    '-bind=127.0.0.1',
    `-port=${s.p2pPort}`,
    '-rpcbind=127.0.0.1',
    '-rpcallowip=127.0.0.1',
    `-rpcport=${s.rpcPort}`,
    '-fallbackfee=0.0001',
    // Each stratum process keeps a getblocktemplate long poll open, which holds an RPC thread until the next block
    // (and one whose client died, until then too): Core's 4 threads run out with a few processes and tests.
    '-rpcthreads=16',
    '-rpcworkqueue=64',
    // A new wallet fills its key pool at creation: 1000 keys per chain (external, internal, MWEB) take 1–2 s per
    // wallet. The devnet needs a handful of addresses, and the pool tops up on demand.
    '-keypool=20',
    '-dnsseed=0',
    '-discover=0',
    '-listenonion=0',
    '-upnp=0',
    '-printtoconsole=0',
    ...s.extra,
  ];
}

/** Spawns litecoind and waits until its RPC answers. Throws with the reason (and the log's path) if it exits. */
export async function startLitecoind(spec: NodeSpec, readyTimeoutMs = 30_000): Promise<LitecoindNode> {
  await mkdir(spec.dir, { recursive: true });
  await stopLeftover(spec.dir);
  // Credentials in an owner-only config file rather than on the command line, where every local user could read them.
  const conf = `rpcuser=${spec.creds.user}\nrpcpassword=${spec.creds.password}\n`;
  await writeFile(join(spec.dir, 'litecoin.conf'), conf, { mode: 0o600 });
  const proc = spawn('litecoind', args(spec), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    proc.once('spawn', resolve);
    proc.once('error', (err) => {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(missing ? new Error('litecoind is not installed: run scripts/setup.sh (apt-get install litecoind)') : err);
    });
  });
  track(proc);
  const url = `http://127.0.0.1:${spec.rpcPort}`;
  const node: LitecoindNode = {
    spec,
    proc,
    url,
    client: new DaemonClient({ url, ...spec.creds }),
    stop: (graceMs = 15_000) => stopProcess(proc, graceMs),
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      const why = stderr.trim() || `exit code ${proc.exitCode ?? proc.signalCode}`;
      throw new LitecoindStartError(`litecoind ${spec.name} exited during start: ${why}`, spec, why);
    }
    try {
      // Answers -28 ("Loading block index...") while warming up: that is not ready yet either.
      await node.client.call('getblockcount', [], { timeoutMs: 2_000 });
      return node;
    } catch (err) {
      if (Date.now() > deadline) {
        await node.stop();
        throw new LitecoindStartError(`litecoind ${spec.name} RPC not ready after ${readyTimeoutMs} ms`, spec, '', {
          cause: err,
        });
      }
      await sleep(50);
    }
  }
}

export class LitecoindStartError extends Error {
  constructor(
    message: string,
    readonly spec: NodeSpec,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (log: ${join(spec.dir, 'regtest', 'debug.log')})`, options);
  }

  /** Someone took the port between our probe and litecoind's bind: worth a retry on other ports. */
  get portTaken(): boolean {
    return /Unable to bind|Unable to start HTTP server|Address already in use/i.test(this.stderr);
  }
}

/**
 * A previous run that died without cleanup (SIGKILL, crash) may have left its litecoind running on this data
 * directory, holding the lock. Stop it if the pid file names a litecoind started on exactly this directory.
 */
async function stopLeftover(dir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(pidFile(dir), 'utf8')).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isOurLitecoind(pid, dir)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (isOurLitecoind(pid, dir)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await sleep(100);
  }
}

function isOurLitecoind(pid: number, dir: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie (state Z) has exited; it only waits for its parent to reap it.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && /litecoind$/.test(argv[0] ?? '') && argv.includes(`-datadir=${dir}`);
  } catch {
    return false; // no such process (or no /proc): nothing to stop
  }
}

function pidFile(dir: string): string {
  return join(dir, 'litecoind.pid');
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
