import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type Devnet, type DevnetOptions, startDevnet } from '../../local/devnet/index.js';

/**
 * One regtest devnet (two litecoind nodes, MWEB active, funded miner wallet) per test file, in a temp directory
 * removed afterwards. Call at the top of a describe block; the accessors throw if used before beforeAll ran.
 * A first start takes about 2 s.
 */
export function withDevnet(opts: Omit<DevnetOptions, 'dataDir'> = {}): { get: () => Devnet; dataDir: () => string } {
  let devnet: Devnet | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devnet-'));
    devnet = await startDevnet({ ...opts, dataDir: dir });
  }, 120_000);
  afterAll(async () => {
    await devnet?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);
  return {
    get: () => {
      if (!devnet) throw new Error('devnet not started');
      return devnet;
    },
    dataDir: () => {
      if (!dir) throw new Error('devnet not started');
      return dir;
    },
  };
}
