import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { payments } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCoin } from '../../core/coins/index.js';
import { poolCli } from '../helpers/pool-cli.js';

const pool = (args: string[]) => poolCli(args);

describe('pool CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('config check prints a valid config with defaults applied', async () => {
    const poolAddress = payments.p2wpkh({
      hash: Buffer.alloc(20, 1),
      network: getCoin('LTC').networks.mainnet[0],
    }).address;
    const file = join(dir, 'good.json');
    await writeFile(
      file,
      JSON.stringify({
        coins: [
          {
            symbol: 'LTC',
            poolAddress,
            daemons: [{ url: 'http://127.0.0.1:9332', user: 'u', password: 'p' }],
            ports: [{ port: 3333, difficulty: { initial: 1, min: 1, max: 8 } }],
          },
        ],
      }),
    );
    const r = await pool(['config', 'check', file]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).stratum.keepAliveSeconds).toBe(60);
    expect(r.stderr).toMatch(/valid \(1 coin\(s\)\)/);
  });

  it('config check exits non-zero and names the bad key', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ coins: [], htpp: {} }));
    const r = await pool(['config', 'check', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown key "htpp"/);
    expect(r.stderr).toMatch(/coins: /);
  });

  it('devnet mine says how to start a devnet when none runs', async () => {
    const r = await pool(['devnet', 'mine', '3', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no devnet in .*: start one with `npm start` first/);
  });

  it('prints usage for an unknown command', async () => {
    const r = await pool(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
  });
});
