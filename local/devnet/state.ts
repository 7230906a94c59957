import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { DaemonEndpoint } from '../../adapters/rpc/daemon-client.js';
import { ConfigError } from '../../core/errors.js';
import type { Credentials } from './litecoind.js';

/** What `<dataDir>/devnet.json` holds: how other processes (the `pool` CLI) reach a running devnet. */
export interface DevnetFile {
  /** RPC endpoints, node A first (the pool's primary). */
  rpc: DaemonEndpoint[];
  /** rltc1… address of the "pool" wallet: the coinbase of every pool block pays it. */
  poolAddress: string;
  /** rltc1… address of the "miner" wallet: where `mine()` sends coinbases, and a ready-to-paste miner login. */
  minerAddress: string;
  /** rltc1… address of the "fees" wallet: the devnet pool's fee wallet. */
  feeAddress: string;
  network: 'regtest';
  /** litecoind process ids, A then B. */
  pids: number[];
}

/** Wallet addresses kept across restarts, so pool balances and miner logins stay valid. */
export interface DevnetAddresses {
  poolAddress: string;
  minerAddress: string;
  feeAddress: string;
}

/** Reads a JSON file, or undefined when it does not exist. */
export async function readJson<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON; delete it to start over`, [], { cause: err });
  }
}

/** Writes through a temporary file and a rename, so a crash never leaves half a file; owner-only (it has secrets). */
export async function writeJson(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

/** RPC credentials, random on the first start and reused afterwards (the wallets do not depend on them). */
export async function loadOrCreateCredentials(file: string): Promise<Credentials> {
  const known = await readJson<Credentials>(file);
  if (known?.user && known.password) return known;
  // base64url: no characters that need escaping on a command line or in a URL.
  const creds = { user: `devnet-${randomBytes(4).toString('hex')}`, password: randomBytes(24).toString('base64url') };
  await writeJson(file, creds);
  return creds;
}
