import { access, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { coinNetworks, getCoin, supportedCoins } from '../../core/coins/index.js';
import { parseConfig } from '../../core/config/load.js';
import { ConfigError } from '../../core/errors.js';
import { bitcoinFamily } from '../../families/bitcoin/index.js';
import { CHAIN_FAMILIES, ChainFamilies } from '../../families/registry.js';
import { startLocalPool } from '../../local/pool.js';
import { ADDRESS } from '../fargate/stratum/fakes.js';

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent } as never;

function ltcConfig(extra: Record<string, unknown> = {}) {
  return parseConfig({
    coins: [
      {
        symbol: 'LTC',
        network: 'regtest',
        poolAddress: ADDRESS,
        daemons: [{ url: 'http://127.0.0.1:1', user: 'u', password: 'p' }],
        ports: [{ port: 0, difficulty: { initial: 1, min: 1, max: 1 } }],
        ...extra,
      },
    ],
  });
}

describe('chain family registry', () => {
  it('resolves the family of every coin in the coin registry, with its parts', async () => {
    for (const symbol of supportedCoins()) {
      const def = getCoin(symbol);
      const family = CHAIN_FAMILIES.forCoin({ symbol });
      expect(family.name).toBe(def.family);
      const network = def.family === 'ethereum' ? 'devnet' : 'regtest';
      // The Bitcoin family's chain reader finds the pool's output script: each coin its own address.
      const poolAddress =
        def.family === 'ethereum'
          ? `0x${'11'.repeat(20)}`
          : payments.p2pkh({ hash: Buffer.alloc(20, 1), network: coinNetworks(def, network)[0] }).address!;
      const rules = family.money.confirmation({ ...ltcConfig().coins[0]!, symbol, network, poolAddress });
      expect(rules.maturity).toBe(def.coinbaseMaturity);
      expect(typeof rules.chain.locate).toBe('function');
      const stratum = await family.stratum();
      expect(typeof stratum.startJobs).toBe('function');
    }
    expect(CHAIN_FAMILIES.forCoin({ symbol: 'BTC' })).toBe(bitcoinFamily);
  });

  it('refuses a coin whose family no module registers, naming the coin and the registered families', () => {
    const config = ltcConfig({ family: 'etchash' });
    expect(() => CHAIN_FAMILIES.check(config)).toThrow(ConfigError);
    expect(() => CHAIN_FAMILIES.check(config)).toThrow(
      'coins.0 (LTC): unknown chain family "etchash"; registered: bitcoin, ethereum',
    );
    expect(() => CHAIN_FAMILIES.forCoin(config.coins[0]!)).toThrow('LTC: unknown chain family "etchash"');
    // An empty registry serves no coin, not even one the coin registry knows.
    expect(() => new ChainFamilies([]).check(ltcConfig())).toThrow('registered: none');
  });

  it('local mode refuses such a config at start, before it creates anything', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'families-')), 'data');
    await expect(startLocalPool({ config: ltcConfig({ family: 'etchash' }), dataDir, log: silent })).rejects.toThrow(
      ConfigError,
    );
    await expect(access(dataDir)).rejects.toThrow();
  });

  it('refuses two families under one name', () => {
    expect(() => new ChainFamilies([bitcoinFamily, bitcoinFamily])).toThrow(
      'chain family "bitcoin" is registered twice',
    );
  });
});
