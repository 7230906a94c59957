import { payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { getCoin } from '../../../core/coins/index.js';
import {
  DAEMON_PASSWORD_MARKER,
  DAEMON_USER_MARKER,
  resolveDaemonCredentials,
} from '../../../core/config/credentials.js';
import { parseConfig } from '../../../core/config/load.js';

const poolAddress = payments.p2wpkh({ hash: Buffer.alloc(20, 9), network: getCoin('LTC').networks.mainnet[0] })
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
});
