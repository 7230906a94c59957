import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { getCoin } from '../../../core/coins/index.js';
import { parseConfig } from '../../../core/config/load.js';
import { ledgerDecimals } from '../../../core/conversion/config.js';
import { ConfigError } from '../../../core/errors.js';

const poolAddress = (symbol: string) =>
  payments.p2wpkh({ hash: Buffer.alloc(20, 7), network: getCoin(symbol).networks.regtest![0] }).address!;
const EVM = {
  kind: 'evm',
  rpcUrl: 'http://127.0.0.1:8545',
  token: `0x${'11'.repeat(20)}`,
  contract: `0x${'22'.repeat(20)}`,
  deploymentBlock: 12,
  privateKey: `0x${'33'.repeat(32)}`,
  minimum: '1000000',
  maxRecipients: 100,
  intervalSeconds: 600,
};
const WALLET_RPC = {
  kind: 'wallet-rpc',
  daemon: { url: 'http://127.0.0.1:18443', user: 'u', password: 'p', wallet: 'pool' },
  minimum: '100000',
  maxRecipients: 100,
  intervalSeconds: 600,
};

function coin(symbol: string, targets: Array<{ currency: string; payouts?: object }>): Record<string, unknown> {
  return {
    symbol,
    network: 'regtest',
    poolAddress: poolAddress(symbol),
    daemons: [{ url: 'http://127.0.0.1:19443', user: 'u', password: 'p' }],
    ports: [{ port: 0, difficulty: { initial: 0.01, min: 0.001, max: 1000 } }],
    conversion: {
      exchanges: [{ id: 'binance' }],
      targets: targets.map((t) => ({ ...t, feeWallets: [{ address: 'fees' }] })),
    },
  };
}

function issuesOf(coins: unknown[]): string[] {
  try {
    parseConfig({ coins });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}

describe('conversion.targets[].payouts', () => {
  it('accepts an evm block for a stablecoin and a wallet-rpc block for BTC, with the documented defaults', () => {
    const cfg = parseConfig({
      coins: [
        coin('LTC', [
          { currency: 'USDT', payouts: EVM },
          { currency: 'BTC', payouts: WALLET_RPC },
        ]),
      ],
    });
    const [usdt, btc] = cfg.coins[0]!.conversion!.targets;
    expect(usdt!.payouts).toEqual(EVM);
    expect(btc!.payouts).toEqual({ ...WALLET_RPC, reserve: '0' });
  });

  it('refuses a wallet-rpc block for a token and an evm block for BTC, naming the key', () => {
    expect(
      issuesOf([
        coin('LTC', [
          { currency: 'USDC', payouts: WALLET_RPC },
          { currency: 'BTC', payouts: EVM },
        ]),
      ]),
    ).toEqual([
      'coins[0].conversion.targets[0].payouts.kind: wallet-rpc pays Bitcoin-family coins; USDC is not one (use "evm")',
      'coins[0].conversion.targets[1].payouts.kind: BTC is paid from a Bitcoin-family wallet (use "wallet-rpc")',
    ]);
  });

  it('refuses an evm block for a stablecoin without its token, and unknown keys', () => {
    const { token: _, ...native } = EVM;
    expect(issuesOf([coin('LTC', [{ currency: 'USDT', payouts: native }])])).toEqual([
      'coins[0].conversion.targets[0].payouts.token: USDT is an ERC-20 token: its contract address is needed (absent = the native coin)',
    ]);
    expect(issuesOf([coin('LTC', [{ currency: 'USDT', payouts: { ...EVM, reserve: '1' } }])])).toEqual([
      'coins[0].conversion.targets[0].payouts: unknown key "reserve"',
    ]);
    expect(
      issuesOf([
        coin('LTC', [{ currency: 'BTC', payouts: { ...WALLET_RPC, daemon: { ...WALLET_RPC.daemon, x: 1 } } }]),
      ]),
    ).toEqual(['coins[0].conversion.targets[0].payouts.daemon: unknown key "x"']);
  });

  it('refuses two payers of one ledger: two coins paying one target, or a target the pool mines', () => {
    expect(
      issuesOf([
        coin('LTC', [
          { currency: 'USDT', payouts: EVM },
          { currency: 'BTC', payouts: WALLET_RPC },
        ]),
        coin('BTC', [{ currency: 'USDT', payouts: EVM }]),
      ]),
    ).toEqual([
      "coins[0].conversion.targets[1].payouts: the pool mines BTC: its ledger is paid by that coin's payouts",
      'coins[1].conversion.targets[0].payouts: USDT payouts are already configured in coins[0].conversion.targets[0].payouts',
    ]);
  });
});

describe('ledger currencies', () => {
  it('counts each ledger in its currency base unit: wei for ETC, satoshi for BTC and LTC, 6 decimals for USDT', () => {
    expect(['ETC', 'LTC', 'BTC', 'USDT', 'USDC'].map(ledgerDecimals)).toEqual([18, 8, 8, 6, 6]);
  });
});
