import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { payments } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCoin } from '../../core/coins/index.js';
import { poolCli } from '../helpers/pool-cli.js';
import { configWithSecrets, SECRET_VALUES } from '../helpers/secrets-config.js';

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
      network: getCoin('LTC').networks.mainnet![0],
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

  it('config check masks every secret of the config it prints', async () => {
    const file = join(dir, 'secrets.json');
    await writeFile(file, JSON.stringify(configWithSecrets({ inline: true })));
    const r = await pool(['config', 'check', file]);
    expect(r.code).toBe(0);
    for (const [kind, value] of Object.entries(SECRET_VALUES)) expect(r.stdout + r.stderr, kind).not.toContain(value);
    const printed = JSON.parse(r.stdout);
    expect(printed.coins[0].daemons[0]).toMatchObject({ user: '***', password: '***' });
    expect(printed.coins[0].daemons[1].url).toBe('http://***:***@10.0.100.11:9332/');
    expect(printed.coins[0].conversion.exchanges[0].credentials.withdrawalKey).toBe('***');
    expect(printed.coins[0].conversion.targets[1].payouts.privateKey).toBe('***');
    // What is not secret stays readable.
    expect(printed.coins[0].conversion.targets[0].payouts.daemon.url).toBe('http://10.0.100.20:8332');
  });

  it("config check never prints a proxied coin's upstream password", async () => {
    const address = (fill: number) =>
      payments.p2wpkh({ hash: Buffer.alloc(20, fill), network: getCoin('LTC').networks.mainnet![0] }).address!;
    const file = join(dir, 'proxy.json');
    const password = 'upstream-pass-7c1e';
    await writeFile(
      file,
      JSON.stringify({
        coins: [
          {
            symbol: 'LTC',
            poolAddress: address(1),
            daemons: [{ url: 'http://127.0.0.1:9332', user: 'u', password: 'p' }],
            ports: [{ port: 3333, difficulty: { initial: 1, min: 1, max: 8 } }],
            proxy: { upstreams: [{ url: 'stratum+ssl://pool.example:443', user: address(2), password }] },
          },
        ],
      }),
    );
    const r = await pool(['config', 'check', file]);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(password);
    expect(JSON.parse(r.stdout).coins[0].proxy.upstreams[0]).toMatchObject({ user: address(2), password: '***' });
  });

  it('config check exits non-zero and names the bad key', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ coins: [], htpp: {} }));
    const r = await pool(['config', 'check', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown key "htpp"/);
    expect(r.stderr).toMatch(/coins: /);
  });

  it('devnet mine says how to start a devnet when none runs: a ConfigError, printed without a stack trace', async () => {
    const r = await pool(['devnet', 'mine', '3', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`no devnet in ${dir}: start one with \`npm start\` first`);
  });

  it('prints usage for an unknown command', async () => {
    const r = await pool(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
  });
});
