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
  return withStartedInTempDir('devnet', (dataDir) => startDevnet({ ...opts, dataDir }));
}

/** Something started in a fresh temp directory before the file's tests, stopped and removed after them. */
export function withStartedInTempDir<T extends { stop(): Promise<void> }>(
  name: string,
  start: (dataDir: string) => Promise<T>,
): { get: () => T; dataDir: () => string } {
  let started: T | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `${name}-`));
    started = await start(dir);
  }, 120_000);
  afterAll(async () => {
    await started?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);
  return {
    get: () => {
      if (!started) throw new Error(`${name} not started`);
      return started;
    },
    dataDir: () => {
      if (!dir) throw new Error(`${name} not started`);
      return dir;
    },
  };
}
