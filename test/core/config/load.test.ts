import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { getCoin } from '../../../core/coins/index.js';
import { parseConfig, parseConfigText } from '../../../core/config/load.js';
import { configIssues } from '../../helpers/config-issues.js';

const poolAddress = payments.p2wpkh({ hash: Buffer.alloc(20, 7), network: getCoin('LTC').networks.regtest![0] })
  .address!;

function minimal(): Record<string, unknown> {
  return {
    coins: [
      {
        symbol: 'LTC',
        network: 'regtest',
        poolAddress,
        daemons: [{ url: 'http://127.0.0.1:19443', user: 'u', password: 'p' }],
        ports: [{ port: 3333, difficulty: { initial: 0.01, min: 0.001, max: 1000 } }],
      },
    ],
  };
}

describe('parseConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const cfg = parseConfig(minimal());
    expect(cfg.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(cfg.stratum.keepAliveSeconds).toBe(60);
    expect(cfg.coins[0]!.ports[0]!.host).toBe('127.0.0.1');
    expect(cfg.coins[0]!.ports[0]!.difficulty.targetShareSeconds).toBe(10);
    expect(cfg.coins[0]!.jobs.pollIntervalMs).toBe(1000);
    expect(cfg.coins[0]!.jobs.maxSharesPerBlock).toBe(4_000_000);
    expect(Object.isFrozen(cfg.coins[0]!.ports[0])).toBe(true);
  });

  it('parses an accounts section again from its own output: every default passes its own check', () => {
    // The CDK app and local mode re-read parsed configs (spread into a new one): a default its own schema refuses
    // (the sender 'pool@localhost' once) broke every such re-read.
    const once = parseConfig({ ...minimal(), accounts: {} });
    expect(once.accounts?.mailFrom).toMatch(/^[^@]+@[^@]+\.[a-z]+$/);
    const twice = parseConfig(JSON.parse(JSON.stringify(once)));
    expect(twice.accounts).toEqual(once.accounts);
  });

  it('refuses an inactive-miner threshold longer than per-minute share records are kept', () => {
    const raw = minimal();
    (raw.coins as Record<string, unknown>[])[0]!.payouts = { wallet: 'pool', inactiveAfterHours: 24 * 8 };
    expect(configIssues(raw)).toEqual([expect.stringMatching(/^coins\[0\]\.payouts\.inactiveAfterHours: .*168/)]);
    (raw.coins as Record<string, Record<string, unknown>>[])[0]!.payouts!.inactiveAfterHours = 24 * 7;
    expect(() => parseConfig(raw)).not.toThrow();
  });

  it('refuses a duplicate memory of under 1,000 shares a block, naming the key', () => {
    const raw = minimal();
    (raw.coins as Record<string, unknown>[])[0]!.jobs = { maxSharesPerBlock: 10 };
    const issues = configIssues(raw);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^coins\[0\]\.jobs\.maxSharesPerBlock: /);
  });

  it('rejects unknown keys and names their path', () => {
    const raw = minimal();
    (raw.coins as Record<string, unknown>[])[0]!.prots = [];
    expect(configIssues(raw)).toEqual(['coins[0]: unknown key "prots"']);
  });

  it('reports a wrong type with the path of the bad key', () => {
    const raw = minimal();
    ((raw.coins as Record<string, unknown>[])[0]!.ports as Record<string, unknown>[])[0]!.port = '3333';
    const issues = configIssues(raw);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^coins\[0\]\.ports\[0\]\.port: .*number/);
  });

  it('rejects a pool address of the wrong network with the reason', () => {
    const raw = minimal();
    (raw.coins as Record<string, unknown>[])[0]!.network = 'mainnet';
    expect(configIssues(raw)[0]).toMatch(/^coins\[0\]\.poolAddress: .*looks like a regtest address/);
  });

  it('rejects an unknown coin, an inverted difficulty range and a port used twice', () => {
    const raw = minimal();
    const coin = (raw.coins as Record<string, unknown>[])[0]!;
    coin.ports = [
      { port: 3333, difficulty: { initial: 5, min: 10, max: 100 } },
      { port: 3333, difficulty: { initial: 1, min: 1, max: 1 } },
    ];
    const issues = configIssues(raw);
    expect(issues).toContain('coins[0].ports[0].difficulty: difficulty must satisfy min <= initial <= max');
    expect(issues.some((i) => i.startsWith('coins[0].ports[1].port: 127.0.0.1:3333 is already used'))).toBe(true);
    const raw2 = minimal();
    (raw2.coins as Record<string, unknown>[])[0]!.symbol = 'XYZ';
    expect(configIssues(raw2)[0]).toMatch(/^coins\[0\]\.symbol: supported coins: LTC, BTC/);
  });

  it('requires at least one coin and one daemon', () => {
    expect(configIssues({ coins: [] })[0]).toMatch(/^coins: /);
    const raw = minimal();
    (raw.coins as Record<string, unknown>[])[0]!.daemons = [];
    expect(configIssues(raw)[0]).toMatch(/^coins\[0\]\.daemons: /);
  });

  it('reports JSON syntax errors as ConfigError', () => {
    expect(() => parseConfigText('{ "coins": [', 'pool.config.json')).toThrow(/pool.config.json is not valid JSON/);
  });
});

describe('parseConfig: a Bitcoin Cash coin (CashAddr)', () => {
  const bch = (poolAddress: string, feeAddress: string, network = 'mainnet') => ({
    coins: [
      {
        symbol: 'BCH',
        network,
        poolAddress,
        daemons: [{ url: 'http://127.0.0.1:8332', user: 'u', password: 'p' }],
        ports: [{ port: 3335, difficulty: { initial: 65536, min: 1024, max: 1e12 } }],
        rewards: { scheme: 'PPLNS', feeBasisPoints: 100, feeWallets: [{ address: feeAddress }] },
      },
    ],
  });
  // From the CashAddr spec's mainnet pairs: legacy 1BpEi6… is bitcoincash:qpm2qs….
  const P2PKH = 'bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a';
  const P2SH = 'bitcoincash:pr95sy3j9xwd2ap32xkykttr4cvcu7as4yc93ky28e';

  it('accepts CashAddr pool and fee addresses, and a legacy 1… pool address', () => {
    const cfg = parseConfig(bch(P2PKH, P2SH));
    expect(cfg.coins[0]!.symbol).toBe('BCH');
    expect(cfg.coins[0]!.rewards!.feeWallets[0]!.address).toBe(P2SH);
    expect(() => parseConfig(bch('1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu', P2SH))).not.toThrow();
  });

  it('wants a fee wallet written as the wallet spells it, and says how', () => {
    expect(configIssues(bch(P2PKH, '1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu'))).toEqual([
      `coins[0].rewards.feeWallets[0].address: write this address as ${P2PKH} (the wallet's spelling)`,
    ]);
  });

  it('refuses a segwit pool address, an address of another network and a network BCH does not have', () => {
    expect(configIssues(bch('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', P2SH)).join('\n')).toMatch(
      /coins\[0\]\.poolAddress: .*not a valid BCH mainnet address/,
    );
    expect(configIssues(bch(P2PKH, P2SH, 'testnet')).join('\n')).toMatch(/it is a mainnet address/);
    expect(configIssues(bch(P2PKH, P2SH, 'simnet')).join('\n')).toMatch(/coins\[0\]\.network: BCH has no simnet/);
  });
});
