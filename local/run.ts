import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getCoin } from '../core/coins/index.js';
import { parseConfig, parseConfigText } from '../core/config/load.js';
import type { PoolConfig } from '../core/config/schema.js';
import type { Logger } from '../core/ports/logger.js';
import { BTC_WALLET_PASSPHRASE, type BtcDevnet, type BtcDevnetFile, startBtcDevnet } from './devnet/btcd.js';
import { type EtcDevnet, startEtcDevnet } from './devnet/core-geth.js';
import { type DogeDevnetFile, type DogeStandin, startDogeStandin } from './devnet/doge.js';
import { type Devnet, startDevnet } from './devnet/index.js';
import { createLogger } from './logger.js';
import { type LocalPool, startLocalPool } from './pool.js';

/** The devnet defaults' ports: LTC stratum, BTC stratum, ETC stratum, HTTP (0 = any free). */
export interface DevnetPorts {
  stratum: number;
  btcStratum?: number;
  etcStratum?: number;
  http: number;
}

export const DEFAULT_PORTS = { stratum: 3333, btcStratum: 3334, etcStratum: 3335, http: 8080 } as const;

/**
 * The embedded default: LTC (scrypt) on the regtest litecoind devnet and, when given their devnets, BTC (sha256d) on
 * the btcd simnet devnet and ETC (etchash, EthProxy and EthereumStratum/1.0.0 on one port) on the core-geth devnet,
 * each on its own loopback port.
 */
export function devnetConfig(
  devnet: Pick<Devnet, 'rpc' | 'poolAddress' | 'feeAddress'>,
  ports: DevnetPorts = DEFAULT_PORTS,
  btc?: Pick<BtcDevnetFile, 'rpc' | 'wallet' | 'poolAddress' | 'feeAddress'>,
  etc?: EtcDevnetCoin,
  doge?: Pick<DogeDevnetFile, 'rpc' | 'poolAddress' | 'feeAddress'>,
): Readonly<PoolConfig> {
  return parseConfig(
    {
      pool: { name: 'edgepool devnet', tag: '/edgepool/' },
      http: { host: '127.0.0.1', port: ports.http },
      // Miner accounts on cognito-local and a mail sink whose mails (with their links) the console prints. The
      // dashboard's address is named `localhost`: browsers refuse an IP address as a passkey's relying party.
      accounts: { publicUrl: `http://localhost:${ports.http}`, referrals: { feeSharePercent: 10 } },
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
        ...(btc ? [btcDevnetCoin(btc, ports.btcStratum ?? DEFAULT_PORTS.btcStratum)] : []),
        ...(etc ? [etcDevnetCoin(etc, ports.etcStratum ?? DEFAULT_PORTS.etcStratum)] : []),
        ...(doge ? [dogeDevnetCoin(doge)] : []),
      ],
    },
    'devnet defaults',
  );
}

function btcDevnetCoin(btc: Pick<BtcDevnetFile, 'rpc' | 'wallet' | 'poolAddress' | 'feeAddress'>, port: number) {
  return {
    symbol: 'BTC',
    network: 'simnet',
    poolAddress: btc.poolAddress,
    daemons: btc.rpc,
    // cpuminer does ~10 million sha256d hashes per second per core: difficulty 0.01 (≈ 43 million hashes) is a share
    // every few seconds; an ASIC (100 TH/s) plugged in is raised by vardiff toward its ~18 shares a minute (≈ 80,000).
    // The floor is low enough for a miner in a script (`d=0.000001` in the password: ≈ 4,300 hashes a share).
    ports: [{ port, host: '127.0.0.1', difficulty: { initial: 0.01, min: 0.000001, max: 1e9 } }],
    rewards: { scheme: 'PPLNS', feeBasisPoints: 100, feeWallets: [{ address: btc.feeAddress }] },
    // btcwallet refuses transaction comments: the pool signs each payout first, records it, then broadcasts it.
    payouts: {
      wallet: 'default',
      walletRpc: 'btcwallet',
      walletUrl: btc.wallet.url,
      walletPassphrase: BTC_WALLET_PASSPHRASE,
      intervalSeconds: 60,
      minimum: '100000',
      maxRecipients: 100,
    },
  };
}

/**
 * DOGE merge-mined with LTC on the stand-in DOGE node (local/devnet/doge.ts: no real dogecoind installs here). Its
 * blocks come from LTC shares that meet its target (on the devnet, with regtest's easiest bits, nearly every one) and
 * are credited 240 blocks deep, Dogecoin's coinbase maturity: `npm run pool -- devnet mine 240 --coin DOGE` matures
 * them at once. Miners give their DOGE address in the password (`-p doge=<address>`) or sign it on the dashboard.
 */
export function dogeDevnetCoin(doge: Pick<DogeDevnetFile, 'rpc' | 'poolAddress' | 'feeAddress'>) {
  return {
    symbol: 'DOGE',
    network: 'regtest',
    mergedWith: 'LTC',
    poolAddress: doge.poolAddress,
    daemons: doge.rpc,
    rewards: { scheme: 'PPLNS', feeBasisPoints: 100, feeWallets: [{ address: doge.feeAddress }] },
    // No wallet name: dogecoind (1.14) has one wallet, at its RPC root, and no /wallet/ path; the stand-in alike.
    // Its wallet answers sendmany with a comment, as Dogecoin Core's does.
    payouts: { intervalSeconds: 60, minimum: '100000000', maxRecipients: 100 },
  } as const;
}

/** Share difficulties of the ETC devnet port, in hashes (the devnet's blocks take 256: ETC_DEVNET_DIFFICULTY). */
const ETC_DEVNET_SHARE = { initial: 16, min: 2, max: 1e12 };

/** What the ETC devnet coin is configured from: the devnet's nodes, addresses, payout key and contract. */
type EtcDevnetCoin = Pick<EtcDevnet, 'rpc' | 'poolAddress' | 'feeAddress' | 'payoutKey' | 'payoutContract'>;

export function etcDevnetCoin(etc: EtcDevnetCoin, port: number) {
  return {
    symbol: 'ETC',
    network: 'devnet',
    // Blocks pay the nodes' etherbase, which the devnet sets to this address (confirmation counts only those).
    poolAddress: etc.poolAddress,
    // core-geth's HTTP RPC takes no credentials and ignores these; the schema asks for them because production nodes
    // sit behind an authenticating proxy (docs/deploy.md).
    daemons: etc.rpc.map((r) => ({ url: r.url, user: 'devnet', password: 'devnet' })),
    // The least ETC allows (16; 120 by default): a devnet block matures after 16 more blocks.
    confirmations: 16,
    // A CPU checks ~1000 light etchash nonces a second, a GPU tens of millions: difficulty 16 gives a test miner
    // shares at once (and a block every ~16 shares); vardiff raises a GPU until every share is a block.
    ports: [{ port, host: '127.0.0.1', difficulty: ETC_DEVNET_SHARE }],
    rewards: { scheme: 'PPLNS', feeBasisPoints: 100, feeWallets: [{ address: etc.feeAddress }] },
    // Signed by the pool key (inline: local mode only) through the devnet's PayoutBatch contract; a payout is mined
    // with the next block and settled 3 blocks later (a miner on the pool, or `pool devnet mine 3 --coin ETC`).
    ...(etc.payoutContract
      ? {
          payouts: {
            contract: etc.payoutContract,
            privateKey: etc.payoutKey,
            intervalSeconds: 60,
            minimum: '1000000000000000', // 0.001 ETC
            maxRecipients: 100,
            // 120 by default (ETC's block depth): the devnet's blocks come only from the pool's miners, so fewer.
            confirmations: 3,
          },
        }
      : {}),
  };
}

/** `npm start` / `pool start`: runs until SIGINT/SIGTERM, then stops everything it started. */
export async function runPool(opts: { dataDir: string; configFile?: string; ports?: DevnetPorts }): Promise<number> {
  const log = createLogger();
  let devnets: Devnets | undefined;
  let config: Readonly<PoolConfig>;
  if (opts.configFile) {
    config = parseConfigText(await readFile(opts.configFile, 'utf8'), opts.configFile);
  } else {
    devnets = await startDevnets(opts.dataDir, log);
    config = devnetConfig(devnets.ltc, opts.ports, devnets.btc, devnets.etc, devnets.doge);
  }
  let pool: LocalPool;
  try {
    pool = await startLocalPool({ config, dataDir: opts.dataDir, log });
  } catch (err) {
    await devnets?.stop();
    throw err;
  }
  // Where the `pool` CLI (and tests) find this running pool: stratumPort is the first coin's, stratumPorts each coin's.
  const stratumPorts = Object.fromEntries(
    config.coins.map((c) => [c.symbol, pool.coins.get(c.symbol)?.service.ports[0]]),
  );
  const stratumPort = stratumPorts[config.coins[0]!.symbol];
  await writeFile(
    join(opts.dataDir, 'pool.json'),
    `${JSON.stringify({ pid: process.pid, http: `http://127.0.0.1:${pool.httpPort}`, stratumPort, stratumPorts })}\n`,
  );
  printBanner(pool, devnets);
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
  await devnets?.stop();
  log.info('stopped');
  return 0;
}

interface Devnets {
  ltc: Devnet;
  btc: BtcDevnet;
  etc: EtcDevnet;
  doge: DogeStandin;
  stop(): Promise<void>;
}

/**
 * The three devnets, started side by side (LTC and BTC mine hundreds of blocks at their first start, ETC only
 * initializes its genesis); one failing stops the others.
 */
async function startDevnets(dataDir: string, log: Logger): Promise<Devnets> {
  const startedAt = performance.now();
  const started = await Promise.allSettled([
    startDevnet({ dataDir, log }),
    startBtcDevnet({ dataDir, log }),
    startEtcDevnet({ dataDir, log, payoutContract: true }),
    startDogeStandin({ dataDir, log }),
  ]);
  const [ltc, btc, etc, doge] = started;
  if (
    ltc.status === 'rejected' ||
    btc.status === 'rejected' ||
    etc.status === 'rejected' ||
    doge.status === 'rejected'
  ) {
    await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw started.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason;
  }
  log.info({ ms: Math.round(performance.now() - startedAt) }, 'devnets ready');
  return {
    ltc: ltc.value,
    btc: btc.value,
    etc: etc.value,
    doge: doge.value,
    stop: async () => {
      await Promise.all([ltc.value.stop(), btc.value.stop(), etc.value.stop(), doge.value.stop()]);
    },
  };
}

function printBanner(pool: LocalPool, devnets: Devnets | undefined): void {
  const lines = ['', 'edgepool is running', ''];
  for (const coin of pool.config.coins) {
    const svc = pool.coins.get(coin.symbol)?.service;
    coin.ports.forEach((p, i) => {
      const scheme = p.tls ? 'stratum+ssl' : 'stratum+tcp';
      const at = svc ? `${p.host}:${svc.ports[i]}` : `${p.host}:${p.port} (not started yet: its nodes do not answer)`;
      lines.push(`  ${coin.symbol} stratum   ${scheme}://${at}  (difficulty ${p.difficulty.initial})`);
    });
  }
  lines.push(
    `  HTTP            http://${pool.config.http.host}:${pool.httpPort}  (dashboard /, API /api/pools, /health, /metrics)`,
  );
  if (pool.config.accounts) {
    const sink = pool.accounts?.mailSink;
    lines.push(
      `  accounts        ${pool.config.accounts.publicUrl}/#/account  (sign-up, TOTP, passkeys; cognito-local)`,
      `                  mail goes to a local sink${sink ? ` (smtp://${sink.host}:${sink.port})` : ''}: each mail's links are logged`,
    );
  }
  if (devnets) {
    const port = (symbol: string) => pool.coins.get(symbol)?.service.ports[0];
    const { ltc, btc, etc, doge } = devnets;
    lines.push(
      '',
      `  devnets         LTC: regtest litecoind x2, RPC ${ltc.rpc[0]?.url}; pool wallet ${ltc.poolAddress}`,
      `                  BTC: btcd + btcwallet simnet, RPC ${btc.rpc[0]?.url}; pool address ${btc.poolAddress}`,
      `                  ETC: core-geth x2 (chain id ${etc.chainId}), RPC ${etc.rpc[0]?.url}; pool address ${etc.poolAddress}`,
      `                  DOGE: merge-mined with LTC on a STAND-IN node (not dogecoind), RPC ${doge.url}; pool address ${doge.poolAddress}`,
      '',
      '  Point a miner at it (pooler cpuminer; for ETC an etchash GPU miner, EthProxy or EthereumStratum/1.0.0):',
      `    minerd -a ${getCoin('LTC').algorithm} -o stratum+tcp://127.0.0.1:${port('LTC')} -u ${ltc.minerAddress}.rig1 -p doge=${doge.minerAddress}`,
      `    minerd -a ${getCoin('BTC').algorithm} -o stratum+tcp://127.0.0.1:${port('BTC')} -u ${btc.minerAddress}.rig1 -p x`,
      `    lolMiner --algo ETCHASH --pool 127.0.0.1:${port('ETC')} --user ${etc.minerAddress}.rig1`,
      `    (no CPU miner does real etchash at speed; the ETC devnet's blocks take only ${etc.difficulty} hashes)`,
      '',
      '  Mature coinbases / advance the chain:  npm run pool -- devnet mine 100 [--coin BTC|ETC|DOGE]',
    );
  }
  lines.push('', '  Ctrl-C stops everything.', '');
  process.stdout.write(`${lines.join('\n')}\n`);
}
