import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EthNodeClient } from '../../adapters/rpc/eth-node-client.js';
import type { EtcDevnetFile } from '../../local/devnet/core-geth.js';
import { EtcPoolMiner, epochZeroSearcher, mineNodeBlock } from '../helpers/etc-pool-miner.js';
import { POOL_CLI, poolCli } from '../helpers/pool-cli.js';
import { TestMiner } from '../helpers/test-miner.js';

const pool = (dataDir: string, args: string[]) => poolCli([...args, '--data-dir', dataDir]);

/** `pool start` as an operator runs it (own process, devnet defaults), then the money commands against it. */
describe('operator commands against a running pool', () => {
  let dir: string;
  let proc: ChildProcess;
  let info: { http: string; stratumPort: number; stratumPorts: Record<string, number> };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'operator-'));
    proc = spawn(
      process.execPath,
      [
        POOL_CLI,
        'start',
        '--data-dir',
        dir,
        '--stratum-port',
        '0',
        '--btc-stratum-port',
        '0',
        '--etc-stratum-port',
        '0',
        '--http-port',
        '0',
      ],
      {
        env: { ...process.env, NODE_NO_WARNINGS: '1', LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      },
    );
    const deadline = Date.now() + 90_000;
    while (!existsSync(join(dir, 'pool.json'))) {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error('pool did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
    info = JSON.parse(await readFile(join(dir, 'pool.json'), 'utf8'));
  }, 120_000);

  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGINT'); // Ctrl-C: stops the pool and the devnet it started
      await exited;
    }
    expect(existsSync(join(dir, 'pool.json'))).toBe(false);
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  /** Mines a few shares (blocks on the devnets) on a coin's port, then matures them: 101 blocks on its devnet. */
  const mineAndMature = async (coin: string, miner: TestMiner) => {
    for (let i = 0; i < 3; i++) {
      await miner.submitOne();
      await new Promise((r) => setTimeout(r, 100));
    }
    miner.close();
    expect(miner.accepted).toBeGreaterThan(0);
    expect((await pool(dir, ['devnet', 'mine', '101', '--coin', coin])).code).toBe(0);
  };
  /** A confirmation pass now, through the admin route with the data directory's token (what the CLI sends). */
  const confirm = async (coin: string) => {
    const token = (await readFile(join(dir, 'admin-token'), 'utf8')).trim();
    const headers = { authorization: `Bearer ${token}` };
    return (await fetch(`${info.http}/admin/confirm?coin=${coin}`, { method: 'POST', headers })).status;
  };

  /**
   * `pool payouts run`: the coin's payout is sent, once. The running pool's own payout pass (its timer) may be running
   * at the same moment: the command's pass waits for that one's payouts lease, then finds the payout it sent (or
   * reports 'idle' when it was already confirmed: nothing left to pay, or 'busy' when that pass kept the lease past
   * the wait). The read-only dry run is then asked until the payout is sent, or until no payout is open and nobody is
   * due one.
   */
  const payoutSent = async (coin: string) => {
    const real = await pool(dir, ['payouts', 'run', '--coin', coin]);
    expect(real.code, `pool payouts run --coin ${coin}: ${real.stdout}${real.stderr}`).toBe(0);
    type Report = { status: string; payouts?: Array<{ status: string }> };
    const report = JSON.parse(real.stdout) as Report;
    expect(['progressed', 'idle', 'busy']).toContain(report.status);
    let status = 'taken by the pool';
    if (report.status === 'progressed') {
      expect(report.payouts).toHaveLength(1);
      status = report.payouts![0]!.status;
      expect(['sent', 'busy']).toContain(status);
    }
    let plan = '';
    const deadline = Date.now() + 60_000;
    while (status !== 'sent' && status !== 'closed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      const dry = await pool(dir, ['payouts', 'run', '--coin', coin, '--dry-run']);
      // No payout open any more (the dry run prints a plan): the other pass sent it, and it was confirmed since.
      if (!dry.stdout.trimStart().startsWith('{')) {
        status = 'closed';
        plan = dry.stdout;
      } else status = (JSON.parse(dry.stdout) as Report).payouts?.[0]?.status ?? 'closed';
    }
    expect(['sent', 'closed']).toContain(status);
    // Closed means paid: the amount the caller's dry run would have paid is due to nobody any more.
    if (plan !== '') expect(plan).toContain('nobody is due a payout');
  };

  it('shows balances, dry-runs and runs payouts, and audits the ledger', async () => {
    const devnet = JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8')) as { minerAddress: string };
    await mineAndMature('LTC', await TestMiner.connect(info.stratumPort, `${devnet.minerAddress}.cli`));
    // The admin routes answer only with the data directory's token (what the CLI sends).
    expect((await stat(join(dir, 'admin-token'))).mode & 0o777).toBe(0o600);
    expect((await fetch(`${info.http}/admin/confirm?coin=LTC`, { method: 'POST' })).status).toBe(401);
    expect(await confirm('LTC')).toBe(200);

    const balances = await pool(dir, ['balances', '--coin', 'LTC']);
    expect(balances.code).toBe(0);
    expect(balances.stdout).toMatch(/^account\s+immature\s+confirmed\s+pending\s+paid$/m);
    expect(balances.stdout).toContain(devnet.minerAddress);

    const dry = await pool(dir, ['payouts', 'run', '--coin', 'LTC', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`would pay \\d+\\.\\d{8} LTC to ${devnet.minerAddress}`));

    await payoutSent('LTC');

    const audit = await pool(dir, ['ledger', 'audit', '--coin', 'LTC']);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/LTC ledger audit passed: \d+ entries/);
    expect((await pool(dir, ['payouts', 'resume', '--coin', 'LTC'])).stdout).toMatch(/LTC payouts resumed/);
  });

  it('runs them for DOGE, merged with LTC: the LTC shares found DOGE blocks, matured by the stand-in, paid at doge=', async () => {
    const devnet = JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8')) as { minerAddress: string };
    const doge = JSON.parse(await readFile(join(dir, 'devnet-doge.json'), 'utf8')) as { minerAddress: string };
    // DOGE has no port of its own: the LTC port's shares mine it (regtest bits on both: every share is both blocks).
    expect(info.stratumPorts.DOGE).toBeUndefined();
    const miner = await TestMiner.connect(
      info.stratumPort,
      `${devnet.minerAddress}.doge`,
      'scrypt',
      `doge=${doge.minerAddress}`,
    );
    for (let i = 0; i < 3; i++) {
      await miner.submitOne();
      await new Promise((r) => setTimeout(r, 100));
    }
    miner.close();
    expect(miner.accepted).toBeGreaterThan(0);
    // DOGE is credited 240 blocks deep (its coinbase maturity): mined on the running stand-in from this process.
    expect((await pool(dir, ['devnet', 'mine', '240', '--coin', 'DOGE'])).code).toBe(0);
    // The password's DOGE address travels with LTC's next minute summary (queue mode): wait until it is kept.
    const auxAddress = async () => {
      const res = await fetch(`${info.http}/api/pools/DOGE/miners/${devnet.minerAddress}/payout-address`);
      return ((await res.json()) as { address: { address: string } | null }).address?.address;
    };
    await expect.poll(auxAddress, { timeout: 75_000, interval: 1000 }).toBe(doge.minerAddress);
    await new Promise((r) => setTimeout(r, 500)); // the last shares' batch reaches ingest
    expect(await confirm('DOGE')).toBe(200);

    // The DOGE ledger's account is the LTC mining address; it is paid at the DOGE address given in the password.
    const balances = await pool(dir, ['balances', '--coin', 'DOGE']);
    expect(balances.code).toBe(0);
    expect(balances.stdout).toContain(devnet.minerAddress);
    const dry = await pool(dir, ['payouts', 'run', '--coin', 'DOGE', '--dry-run']);
    expect(dry.stdout).toMatch(new RegExp(`would pay \\d+\\.\\d{8} DOGE to ${devnet.minerAddress}`));
    await payoutSent('DOGE');
    const audit = await pool(dir, ['ledger', 'audit', '--coin', 'DOGE']);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/DOGE ledger audit passed: \d+ entries/);
  }, 150_000);

  it('runs the same commands for BTC, the second coin of the devnet defaults', async () => {
    const btc = JSON.parse(await readFile(join(dir, 'devnet-btc.json'), 'utf8')) as { minerAddress: string };
    // BTC's own port (3334 by default), sha256d.
    expect(info.stratumPorts.BTC).not.toBe(info.stratumPorts.LTC);
    // A script's sha256d is slow: it asks for a start difficulty of 0.000001 (the port's floor).
    const miner = await TestMiner.connect(info.stratumPorts.BTC!, `${btc.minerAddress}.cli`, 'sha256d', 'd=0.000001');
    await mineAndMature('BTC', miner);
    expect(await confirm('BTC')).toBe(200);

    const balances = await pool(dir, ['balances', '--coin', 'BTC']);
    expect(balances.code).toBe(0);
    expect(balances.stdout).toContain(btc.minerAddress);
    await payoutSent('BTC');
    const audit = await pool(dir, ['ledger', 'audit', '--coin', 'BTC']);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/BTC ledger audit passed: \d+ entries/);
  });

  it('runs them for ETC, the third coin: a block through its port, matured, amounts in wei (18 decimals)', async () => {
    const etc = JSON.parse(await readFile(join(dir, 'devnet-etc.json'), 'utf8')) as EtcDevnetFile;
    const searcher = await epochZeroSearcher();
    const miner = await EtcPoolMiner.connect(info.stratumPorts.ETC!, `${etc.minerAddress}.cli`, 'ethproxy', searcher);
    await miner.mineBlock((1n << 256n) / 256n); // the devnet's block difficulty
    miner.close();
    // 16 blocks deep (the devnet config's confirmations), mined on the node's own work (the DAG, when cached, is
    // faster than `pool devnet mine --coin ETC`'s light cache: test/local/devnet/core-geth.test.ts runs that)
    const node = new EthNodeClient(etc.rpc[0]!);
    const found = await node.blockNumber();
    while ((await node.blockNumber()) < found + 15) await mineNodeBlock(node, searcher);
    // The pool may ask the devnet's other node, which takes the blocks from its peer a moment later (on a slow
    // machine, after a confirm pass): every node at that height first, then confirm until the pass has matured it.
    for (const url of etc.rpc) {
      const peer = new EthNodeClient(url);
      while ((await peer.blockNumber()) < found + 15) await new Promise((r) => setTimeout(r, 200));
    }
    // PPLNS, 1 % fee: the miner's 99 % of the 5 ETC era reward, to the wei
    const matured = new RegExp(`^${etc.minerAddress}\\s+0\\.0{18}\\s+4\\.950000000000000000\\s`, 'm');
    expect(await confirm('ETC')).toBe(200);
    let balances = await pool(dir, ['balances', '--coin', 'ETC']);
    for (let pass = 0; pass < 20 && !matured.test(balances.stdout); pass++) {
      expect(await confirm('ETC')).toBe(200);
      balances = await pool(dir, ['balances', '--coin', 'ETC']);
      if (!matured.test(balances.stdout)) await new Promise((r) => setTimeout(r, 500));
    }
    expect(balances.code).toBe(0);
    expect(balances.stdout).toMatch(matured);
    const dry = await pool(dir, ['payouts', 'run', '--coin', 'ETC', '--dry-run']);
    expect(dry.stdout).toContain(`would pay 4.950000000000000000 ETC to ${etc.minerAddress}`);
    await payoutSent('ETC');
    const audit = await pool(dir, ['ledger', 'audit', '--coin', 'ETC']);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/ETC ledger audit passed: \d+ entries/);
    // A block mined through the ETC port and 16 more: over 90 s on a loaded CI run.
  }, 180_000);

  it('refuses a coin without rewards configured, with the reason', async () => {
    const r = await pool(dir, ['balances', '--coin', 'BCH']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no rewards configured for coin "BCH"/);
  });
});
