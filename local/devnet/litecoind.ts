import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonClient } from '../../adapters/rpc/daemon-client.js';
import { spawnDaemon } from './process.js';

export { DevnetStartError, freePorts, sleep } from './process.js';

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
  // Credentials in an owner-only config file rather than on the command line, where every local user could read them.
  const conf = `rpcuser=${spec.creds.user}\nrpcpassword=${spec.creds.password}\n`;
  await writeFile(join(spec.dir, 'litecoin.conf'), conf, { mode: 0o600 });
  const url = `http://127.0.0.1:${spec.rpcPort}`;
  const client = new DaemonClient({ url, ...spec.creds });
  const daemon = await spawnDaemon({
    name: `litecoind ${spec.name}`,
    command: 'litecoind',
    args: args(spec),
    pidFile: pidFile(spec.dir),
    marker: `-datadir=${spec.dir}`,
    logPath: join(spec.dir, 'regtest', 'debug.log'),
    // Answers -28 ("Loading block index...") while warming up: that is not ready yet either.
    ready: () => client.call('getblockcount', [], { timeoutMs: 2_000 }),
    readyTimeoutMs,
    missing: 'litecoind is not installed: run scripts/setup.sh (apt-get install litecoind)',
  });
  return { spec, proc: daemon.proc, url, client, stop: daemon.stop };
}

function pidFile(dir: string): string {
  return join(dir, 'litecoind.pid');
}
