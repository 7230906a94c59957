import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { addressToOutputScript, getCoin, supportedCoins, validateAddress } from '../../../core/coins/index.js';
import { parseConfig } from '../../../core/config/load.js';
import { auxCoinsOf } from '../../../core/config/merged.js';
import { ConfigError } from '../../../core/errors.js';
import { DOGE_POOL, ltcAddress } from '../../helpers/aux-money.js';
import { configIssues } from '../../helpers/config-issues.js';

/** A made-up AuxPoW chain's regtest formats: P2PKH version 50 (M…), P2SH 85 (b…). */
const REGTEST = { pubKeyHash: 50, scriptHash: 85 };

function chainAddress(seed: number, versions = REGTEST): string {
  const net = { ...getCoin('BTC').networks.regtest![0], ...versions, bech32: '' };
  return payments.p2pkh({ hash: Buffer.alloc(20, seed), network: net }).address!;
}

/** LTC, DOGE merged with it, and `symbol` defined in auxChains with chain id 63 (each part overridable). */
function config(
  symbol: string,
  o: { chain?: Record<string, unknown>; coin?: Record<string, unknown>; doge?: boolean } = {},
): Record<string, unknown> {
  return {
    auxChains: [
      {
        symbol,
        name: `Test ${symbol}`,
        chainId: 63,
        coinbaseMaturity: 30,
        networks: { regtest: REGTEST },
        ...o.chain,
      },
    ],
    coins: [
      {
        symbol: 'LTC',
        network: 'regtest',
        poolAddress: ltcAddress(0xa0),
        daemons: [{ url: 'http://127.0.0.1:19443', user: 'u', password: 'p' }],
        ports: [{ port: 3333, difficulty: { initial: 0.01, min: 0.001, max: 1000 } }],
      },
      ...(o.doge === false
        ? []
        : [
            {
              symbol: 'DOGE',
              network: 'regtest',
              mergedWith: 'LTC',
              poolAddress: DOGE_POOL,
              daemons: [{ url: 'http://127.0.0.1:19555', user: 'u', password: 'p' }],
            },
          ]),
      {
        symbol,
        network: 'regtest',
        mergedWith: 'LTC',
        poolAddress: chainAddress(0xd1),
        daemons: [{ url: 'http://127.0.0.1:19556', user: 'u', password: 'p' }],
        rewards: { scheme: 'PPLNS', feeBasisPoints: 100, feeWallets: [{ address: chainAddress(0xfe) }] },
        ...o.coin,
      },
    ],
  };
}

describe('aux chains defined in the config', () => {
  it('registers a config-defined aux chain as a Bitcoin-family coin of its parent algorithm with its chain id', () => {
    expect(() => getCoin('TAUXA')).toThrow(ConfigError);
    const cfg = parseConfig(config('TAUXA'));
    const coin = getCoin('TAUXA');
    expect(coin).toMatchObject({
      symbol: 'TAUXA',
      name: 'Test TAUXA',
      family: 'bitcoin',
      algorithm: 'scrypt',
      stratumDiffMultiplier: 65536,
      coinbaseMaturity: 30,
      decimals: 8,
      auxpow: { chainId: 63 },
    });
    expect(supportedCoins()).toContain('TAUXA');
    expect(auxCoinsOf(cfg, 'LTC').map((c) => c.symbol)).toEqual(['DOGE', 'TAUXA']);
    expect(cfg.auxChains).toHaveLength(1);
    // Its own address versions: its P2PKH reads, a DOGE (or LTC) address does not, and no mainnet is defined.
    const mine = chainAddress(7);
    expect(validateAddress(coin, 'regtest', mine)).toBe(mine);
    expect(addressToOutputScript(coin, 'regtest', mine).toString('hex')).toBe(`76a914${'07'.repeat(20)}88ac`);
    expect(() => validateAddress(coin, 'regtest', DOGE_POOL)).toThrow(/not a valid TAUXA regtest address/);
    expect(() => validateAddress(coin, 'regtest', ltcAddress(1))).toThrow(/not a valid TAUXA regtest address/);
    expect(() => validateAddress(coin, 'mainnet', mine)).toThrow(/no mainnet/);
  });

  it('refuses the pool address of another chain for a config-defined aux chain', () => {
    expect(configIssues(config('TAUXB', { coin: { poolAddress: DOGE_POOL } }))).toEqual([
      expect.stringMatching(/^coins\[2\]\.poolAddress: .*not a valid TAUXB regtest address/),
    ]);
  });

  it('refuses a definition that shadows a built-in coin, naming both', () => {
    for (const symbol of ['LTC', 'DOGE']) {
      const [issue, ...rest] = configIssues(config(symbol, { doge: false }));
      expect(rest).toEqual([]);
      expect(issue).toMatch(new RegExp(`^auxChains\\[0\\]\\.symbol: ${symbol} is a built-in coin`));
      expect(issue).toContain(getCoin(symbol).name);
      expect(issue).toContain(`Test ${symbol}`);
    }
    expect(getCoin('DOGE').auxpow).toEqual({ chainId: 98 });
  });

  it('refuses a config-defined aux chain mined without mergedWith, or merged with no coin of the registry', () => {
    expect(configIssues(config('TAUXC', { coin: { mergedWith: undefined, ports: [] } }))).toEqual([
      expect.stringMatching(
        /^coins\[2\]\.mergedWith: TAUXC is an aux chain defined in auxChains: it is mined only merged/,
      ),
    ]);
    const unused = config('TAUXC');
    unused.coins = (unused.coins as unknown[]).slice(0, 2);
    expect(configIssues(unused)).toEqual([
      expect.stringMatching(/^auxChains\[0\]\.symbol: no coins\[\] entry merge-mines TAUXC/),
    ]);
    expect(configIssues(config('TAUXC', { coin: { mergedWith: 'XYZ' } }))).toEqual([
      expect.stringMatching(/^coins\[2\]\.mergedWith: XYZ is not a Bitcoin-family coin of the registry/),
    ]);
    // Nothing of a refused config stays registered.
    expect(() => getCoin('TAUXC')).toThrow(/unknown coin/);
  });

  it("refuses an aux chain with the chain id of another of the parent's aux chains", () => {
    expect(configIssues(config('TAUXD', { chain: { chainId: 98 } }))).toEqual([
      'coins[2].symbol: TAUXD has the chain id 98 of DOGE, also merged with LTC',
    ]);
    // A config that fails after registration leaves the registry as it was: a corrected one may define it anew.
    expect(() => getCoin('TAUXD')).toThrow(/unknown coin/);
    expect(() => parseConfig(config('TAUXD', { chain: { chainId: 64 } }))).not.toThrow();
    expect(getCoin('TAUXD').auxpow).toEqual({ chainId: 64 });
  });

  it('accepts the same definition from a second config, and refuses a different one under the same symbol', () => {
    parseConfig(config('TAUXE'));
    expect(() => parseConfig(config('TAUXE'))).not.toThrow();
    const [issue, ...rest] = configIssues(config('TAUXE', { chain: { coinbaseMaturity: 31 } }));
    expect(rest).toEqual([]);
    expect(issue).toMatch(
      /^auxChains: TAUXE is already defined as .*"coinbaseMaturity":30.*this config defines it as .*"coinbaseMaturity":31/,
    );
    expect(getCoin('TAUXE').coinbaseMaturity).toBe(30);
  });

  it('reads each field strictly: unknown keys, equal version bytes, lower-case symbols, a chain defined twice', () => {
    expect(configIssues(config('TAUXF', { chain: { chainid: 63 } }))).toContainEqual(
      'auxChains[0]: unknown key "chainid"',
    );
    expect(
      configIssues(config('TAUXF', { chain: { networks: { regtest: { pubKeyHash: 50, scriptHash: 50 } } } })),
    ).toEqual([expect.stringMatching(/^auxChains\[0\]\.networks\.regtest\.scriptHash: must differ from pubKeyHash/)]);
    expect(configIssues(config('TAUXF', { chain: { networks: {} } }))).toEqual([
      'auxChains[0].networks: at least one network',
    ]);
    expect(configIssues(config('tauxf'))).toEqual([expect.stringMatching(/^auxChains\[0\]\.symbol: /)]);
    const twice = config('TAUXF');
    twice.auxChains = [...(twice.auxChains as unknown[]), ...(twice.auxChains as unknown[])];
    expect(configIssues(twice)).toEqual(['auxChains[1].symbol: TAUXF is defined twice']);
  });
});
