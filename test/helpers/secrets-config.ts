import { payments } from 'bitcoinjs-lib';
import { getCoin } from '../../core/coins/index.js';
import type { PoolConfigInput } from '../../core/config/schema.js';

/** Distinctive values for every kind of secret a pool config can hold: a test greps its output for each. */
export const SECRET_VALUES = {
  daemonUser: 'daemon-user-5e1f0a',
  daemonPassword: 'daemon-pass-9c2d1b',
  urlPassword: 'url-pass-77ab2c',
  exchangeApiKey: 'exch-apikey-31aa3d',
  exchangeSecret: 'exch-secret-42bb4e',
  exchangePassword: 'exch-pass-53cc5f',
  exchangeWithdrawalKey: 'exch-wkey-64dd60',
  evmPrivateKey: `0x${'5eC7'.repeat(16)}`,
  walletUser: 'btcw-user-75ee71',
  walletPassword: 'btcw-pass-86ff82',
} as const;

const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:pool/${name}-AbCdEf`;

function address(symbol: 'LTC' | 'BTC', fill: number): string {
  return payments.p2wpkh({ hash: Buffer.alloc(20, fill), network: getCoin(symbol).networks.mainnet![0] }).address!;
}

/**
 * LTC converting to BTC (paid by a wallet daemon) and USDT (paid on an EVM chain), every secret set:
 * - `inline: true` adds the kinds only local mode may hold inline (exchange API keys, the EVM key, credentials in a
 *   daemon URL): the CDK app must refuse them;
 * - without it, only the credentials the schema requires and the CDK app replaces by markers (daemon user and
 *   password, the BTC wallet daemon's), each kind with its `secretArn`.
 */
export function configWithSecrets({ inline }: { inline: boolean }): PoolConfigInput {
  const s = SECRET_VALUES;
  return {
    coins: [
      {
        symbol: 'LTC',
        poolAddress: address('LTC', 0x22),
        daemons: [
          { url: 'http://10.0.100.10:9332', user: s.daemonUser, password: s.daemonPassword },
          ...(inline ? [{ url: `http://rpc:${s.urlPassword}@10.0.100.11:9332`, user: 'u', password: 'p' }] : []),
        ],
        ports: [{ port: 3333, difficulty: { initial: 64, min: 8, max: 65536 } }],
        rewards: { feeWallets: [{ address: address('LTC', 0x33) }] },
        payouts: { wallet: 'pool' },
        conversion: {
          exchanges: [
            {
              id: 'binance',
              secretArn: arn('binance'),
              ...(inline && {
                credentials: {
                  apiKey: s.exchangeApiKey,
                  secret: s.exchangeSecret,
                  password: s.exchangePassword,
                  withdrawalKey: s.exchangeWithdrawalKey,
                },
              }),
            },
          ],
          targets: [
            {
              currency: 'BTC',
              feeWallets: [{ address: address('BTC', 0x45) }],
              payouts: {
                kind: 'wallet-rpc',
                daemon: { url: 'http://10.0.100.20:8332', user: s.walletUser, password: s.walletPassword, wallet: 'w' },
                secretArn: arn('btc-rpc'),
                minimum: '50000',
                maxRecipients: 100,
                intervalSeconds: 1800,
              },
            },
            {
              currency: 'USDT',
              feeWallets: [{ address: '0x52908400098527886E0F7030069857D2E4169EE7' }],
              payouts: {
                kind: 'evm',
                rpcUrl: 'https://rpc.example.org',
                token: '0xdAC17F958D2ee523a2206206994597C13D831ec7',
                contract: `0x${'22'.repeat(20)}`,
                deploymentBlock: 19_000_000,
                secretArn: arn('usdt-key'),
                ...(inline && { privateKey: s.evmPrivateKey }),
                minimum: '10000000',
                maxRecipients: 100,
                intervalSeconds: 1800,
              },
            },
          ],
        },
      },
    ],
  };
}
