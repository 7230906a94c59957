import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { getCoin } from '../../../core/coins/index.js';
import {
  DAEMON_PASSWORD_MARKER,
  DAEMON_USER_MARKER,
  inlineSecrets,
  maskSecrets,
  relativeDaemonMarkers,
  resolveDaemonCredentials,
} from '../../../core/config/credentials.js';
import { parseConfig } from '../../../core/config/load.js';
import { mergedConfig } from '../../helpers/aux-money.js';

const poolAddress = payments.p2wpkh({ hash: Buffer.alloc(20, 9), network: getCoin('LTC').networks.mainnet![0] })
  .address!;
const config = parseConfig({
  coins: [
    {
      symbol: 'LTC',
      poolAddress,
      daemons: [
        { url: 'http://10.0.0.1:9332', user: DAEMON_USER_MARKER, password: DAEMON_PASSWORD_MARKER },
        { url: 'http://10.0.0.2:9332', user: 'literal', password: 'kept' },
      ],
      ports: [{ port: 3333, difficulty: { initial: 1, min: 1, max: 2 } }],
    },
  ],
});

describe('resolveDaemonCredentials', () => {
  it('replaces the markers with the injected environment and keeps literal credentials', () => {
    const resolved = resolveDaemonCredentials(config, { POOL_DAEMON_USER: 'rpcuser', POOL_DAEMON_PASSWORD: 's3cret' });
    expect(resolved.coins[0]!.daemons.map((d) => [d.user, d.password])).toEqual([
      ['rpcuser', 's3cret'],
      ['literal', 'kept'],
    ]);
  });

  it('fails with the name of the missing variable', () => {
    expect(() => resolveDaemonCredentials(config, { POOL_DAEMON_USER: 'rpcuser' })).toThrow(
      /POOL_DAEMON_PASSWORD is not set/,
    );
  });

  it("gives a merged relative's daemons their own coin's credentials, and never the function's own", () => {
    const merged = mergedConfig({
      daemons: [{ url: 'http://127.0.0.1:1', ...relativeDaemonMarkers('DOGE') }],
    });
    const own = { POOL_DAEMON_USER: 'ltc-user', POOL_DAEMON_PASSWORD: 'ltc-pass' };
    const doge = (env: Record<string, string>) =>
      resolveDaemonCredentials(merged, env).coins[1]!.daemons.map((d) => [d.user, d.password]);
    expect(doge({ ...own, POOL_DOGE_DAEMON_USER: 'doge-user', POOL_DOGE_DAEMON_PASSWORD: 'doge-pass' })).toEqual([
      ['doge-user', 'doge-pass'],
    ]);
    // Not given (a money Lambda of the other coin): the markers stay, never the function's own credentials.
    expect(doge(own)).toEqual([['$POOL_DOGE_DAEMON_USER', '$POOL_DOGE_DAEMON_PASSWORD']]);
  });
});

describe('a btcwallet passphrase (coins[].payouts.walletPassphrase)', () => {
  const btc = (payouts: Record<string, unknown>) =>
    parseConfig({
      coins: [
        {
          symbol: 'BTC',
          poolAddress: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa',
          daemons: [{ url: 'http://10.0.0.1:8334', user: DAEMON_USER_MARKER, password: DAEMON_PASSWORD_MARKER }],
          ports: [{ port: 3334, difficulty: { initial: 1, min: 1, max: 2 } }],
          payouts: { wallet: 'default', walletRpc: 'btcwallet', walletUrl: 'http://10.0.0.1:8332', ...payouts },
        },
      ],
    });

  it('is a secret: masked by pool config check, and refused by the CDK app (the PayoutWallet secret holds it)', () => {
    const config = btc({ walletPassphrase: 'open sesame' });
    expect(inlineSecrets(config)).toContainEqual(
      expect.objectContaining({ path: ['coins', 0, 'payouts', 'walletPassphrase'], aws: 'refuse' }),
    );
    expect(maskSecrets(config).coins[0]!.payouts!.walletPassphrase).toBe('***');
    expect(JSON.stringify(maskSecrets(config))).not.toContain('open sesame');
    expect(inlineSecrets(btc({})).map((s) => s.path.at(-1))).not.toContain('walletPassphrase');
  });

  it('payouts through btcwallet need its URL; the default wallet is Core, at 5 sat/vB for btcwallet', () => {
    expect(() => btc({ walletUrl: undefined })).toThrow(/walletUrl/);
    expect(btc({}).coins[0]!.payouts).toMatchObject({ walletRpc: 'btcwallet', feeRate: 5 });
    expect(config.coins[0]!.payouts).toBeUndefined();
    const core = parseConfig({ coins: [{ ...config.coins[0]!, payouts: { wallet: 'pool' } }] });
    expect(core.coins[0]!.payouts!.walletRpc).toBe('core');
  });
});
