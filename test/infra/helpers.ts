import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { payments } from 'bitcoinjs-lib';
import { getCoin, validateAddress } from '../../core/coins/index.js';
import { parseConfig } from '../../core/config/load.js';
import type { PoolConfigInput } from '../../core/config/schema.js';
import { type BuildOptions, buildPoolApp, DEFAULT_ENTRIES, type PoolStacks } from '../../infra/pool-app.js';
import { parseDeploySettings } from '../../infra/settings.js';

/** Stand-in handler: infra tests assert the infrastructure, not a Lambda's code (and skip bundling). */
export const FIXTURE_ENTRY = 'test/infra/fixtures/handler.ts';

/** Every Lambda of the app on the stand-in handler. */
export const FIXTURE_ENTRIES = Object.fromEntries(
  Object.keys(DEFAULT_ENTRIES).map((k) => [k, FIXTURE_ENTRY]),
) as typeof DEFAULT_ENTRIES;

/** A mainnet address of the coin as the pool keeps it: P2WPKH where the coin has bech32, else P2PKH (BCH: CashAddr). */
export function address(symbol: string, fill: number): string {
  const def = getCoin(symbol);
  const network = def.networks.mainnet![0];
  const hash = Buffer.alloc(20, fill);
  const written = (network.bech32 ? payments.p2wpkh : payments.p2pkh)({ hash, network }).address!;
  return validateAddress(def, 'mainnet', written);
}

export const DAEMON_PASSWORD = 'local-only-password-7f3a';

export function coin(symbol: string, ports: PoolConfigInput['coins'][number]['ports']) {
  return {
    symbol,
    network: 'mainnet' as const,
    poolAddress: address(symbol, 0x22),
    daemons: [{ url: 'http://10.0.100.10:9332', user: 'pool', password: DAEMON_PASSWORD }],
    ports,
    rewards: { feeWallets: [{ address: address(symbol, 0x33) }] },
    payouts: { wallet: 'pool', intervalSeconds: 3600 },
  };
}

export const difficulty = { initial: 64, min: 8, max: 65536 };

/** A made-up AuxPoW chain's mainnet formats (config auxChains): merged with BTC in the switching tests. */
const TEST_AUX = { pubKeyHash: 51, scriptHash: 86 };

/** `symbol` defined in auxChains (chain id 61) and merged with `parent`, its nodes' password DAEMON_PASSWORD. */
export function testAuxChain(symbol: string, parent: string) {
  const network = { ...getCoin('BTC').networks.mainnet![0]!, ...TEST_AUX, bech32: '' };
  return {
    definition: { symbol, name: `Test ${symbol}`, chainId: 61, coinbaseMaturity: 30, networks: { mainnet: TEST_AUX } },
    coin: {
      symbol,
      mergedWith: parent,
      poolAddress: payments.p2pkh({ hash: Buffer.alloc(20, 0xd1), network }).address!,
      daemons: [{ url: 'http://10.0.100.20:9332', user: 'aux', password: DAEMON_PASSWORD }],
    },
  };
}

const OUTDIRS = join(tmpdir(), 'edgepool-cdk-test');
let outdir: string | undefined;

/**
 * One synth output directory per test process (`<tmp>/edgepool-cdk-test/<pid>`), where those of processes that have
 * ended are removed at the next start. Without it every App synthesizes into a new temporary directory of its own
 * (about 23 MB with the asset staging), which a test run leaves behind by the dozen; vitest ends its workers without
 * an 'exit' event, so the cleanup cannot wait for that.
 */
export function testOutdir(): string {
  if (!outdir) {
    mkdirSync(OUTDIRS, { recursive: true });
    for (const name of readdirSync(OUTDIRS)) {
      if (!isRunning(Number(name))) rmSync(join(OUTDIRS, name), { recursive: true, force: true });
    }
    outdir = join(OUTDIRS, String(process.pid));
    mkdirSync(outdir, { recursive: true });
  }
  return outdir;
}

function isRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Builds the whole pool app without bundling (fast, offline) and returns its stacks. */
export function buildTestApp(
  config: PoolConfigInput,
  settings: unknown = {},
  options: BuildOptions = {},
): { app: App; stacks: PoolStacks } {
  const app = new App({
    outdir: testOutdir(),
    context: { 'aws:cdk:bundling-stacks': [], '@aws-cdk/core:defaultCrossStackReferences': 'strong' },
  });
  const stacks = buildPoolApp(
    app,
    { config: parseConfig(config), configPath: 'test', settings: parseDeploySettings(settings) },
    { entries: FIXTURE_ENTRIES, ...options },
  );
  return { app, stacks };
}
