import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig, parseConfigText } from '../core/config/load.js';
import type { PoolConfig } from '../core/config/schema.js';
import { type Devnet, startDevnet } from './devnet/index.js';
import { createLogger } from './logger.js';
import { type LocalPool, startLocalPool } from './pool.js';

/** The embedded default: one scrypt port on loopback against the devnet. */
export function devnetConfig(
  devnet: Pick<Devnet, 'rpc' | 'poolAddress' | 'feeAddress'>,
  ports = { stratum: 3333, http: 8080 },
): Readonly<PoolConfig> {
  return parseConfig(
    {
      pool: { name: 'edgepool devnet', tag: '/edgepool/' },
      http: { host: '127.0.0.1', port: ports.http },
      coins: [
        {
          symbol: 'LTC',
          network: 'regtest',
          poolAddress: devnet.poolAddress,
          daemons: devnet.rpc,
          // A CPU miner does a few thousand scrypt hashes per second per core: difficulty 0.01 (≈ 655 hashes) gives it
          // shares at once, and vardiff raises it toward one share per 10 s.
          ports: [{ port: ports.stratum, host: '127.0.0.1', difficulty: { initial: 0.01, min: 0.0001, max: 1e6 } }],
          rewards: { scheme: 'PPLNS', feeBasisPoints: 100, feeWallets: [{ address: devnet.feeAddress }] },
          // Regtest coins are free: pay often and small, so a person trying the pool sees payouts quickly.
          payouts: { wallet: 'pool', intervalSeconds: 60, minimum: '100000', maxRecipients: 100 },
        },
      ],
    },
    'devnet defaults',
  );
}

/** `npm start` / `pool start`: runs until SIGINT/SIGTERM, then stops everything it started. */
export async function runPool(opts: {
  dataDir: string;
  configFile?: string;
  ports?: { stratum: number; http: number };
}): Promise<number> {
  const log = createLogger();
  let devnet: Devnet | undefined;
  let config: Readonly<PoolConfig>;
  if (opts.configFile) {
    config = parseConfigText(await readFile(opts.configFile, 'utf8'), opts.configFile);
  } else {
    devnet = await startDevnet({ dataDir: opts.dataDir, log });
    config = devnetConfig(devnet, opts.ports);
  }
  let pool: LocalPool;
  try {
    pool = await startLocalPool({ config, dataDir: opts.dataDir, log });
  } catch (err) {
    await devnet?.stop();
    throw err;
  }
  // Where the `pool` CLI finds this running pool.
  const stratumPort = pool.coins.get(config.coins[0]!.symbol)?.service.ports[0];
  await writeFile(
    join(opts.dataDir, 'pool.json'),
    `${JSON.stringify({ pid: process.pid, http: `http://127.0.0.1:${pool.httpPort}`, stratumPort })}\n`,
  );
  printBanner(pool, devnet);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      log.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
  });
  await pool.stop({ drainMs: Math.min(config.stratum.drainSeconds * 1000, 2000) });
  await rm(join(opts.dataDir, 'pool.json'), { force: true });
  await devnet?.stop();
  log.info('stopped');
  return 0;
}

function printBanner(pool: LocalPool, devnet: Devnet | undefined): void {
  const lines = ['', 'edgepool is running', ''];
  for (const coin of pool.config.coins) {
    const svc = pool.coins.get(coin.symbol)!.service;
    coin.ports.forEach((p, i) => {
      const scheme = p.tls ? 'stratum+ssl' : 'stratum+tcp';
      lines.push(
        `  ${coin.symbol} stratum   ${scheme}://${p.host}:${svc.ports[i]}  (difficulty ${p.difficulty.initial})`,
      );
    });
  }
  lines.push(
    `  HTTP            http://${pool.config.http.host}:${pool.httpPort}  (dashboard /, API /api/pools, /health, /metrics)`,
  );
  if (devnet) {
    const port = pool.coins.get('LTC')?.service.ports[0];
    lines.push(
      '',
      `  devnet          regtest litecoind x2, RPC ${devnet.rpc[0]?.url}; pool wallet ${devnet.poolAddress}`,
      '',
      '  Point a miner at it (pooler cpuminer):',
      `    minerd -a scrypt -o stratum+tcp://127.0.0.1:${port} -u ${devnet.minerAddress}.rig1 -p x`,
      '',
      '  Mature coinbases / advance the chain:  npm run pool -- devnet mine 100',
    );
  }
  lines.push('', '  Ctrl-C stops everything.', '');
  process.stdout.write(`${lines.join('\n')}\n`);
}
