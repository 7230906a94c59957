import type { z } from 'zod';
import type { DaemonEndpoint } from '../../adapters/rpc/daemon-client.js';
import { parseConfig } from '../../core/config/load.js';
import type { conversionConfigSchema } from '../../core/conversion/config.js';
import { createLogger } from '../../local/logger.js';
import { type MoneyRunner, startMoney } from '../../local/money.js';
import type { LocalStorage } from '../../local/storage.js';

type TargetInput = z.input<typeof conversionConfigSchema>['targets'][number];

/**
 * Local money of a regtest LTC that converts into one target (its exchange is never called), without timers:
 * `money.targets.get(currency)` is the target's payouts pass, as `npm start` runs it.
 */
export function startConvertingMoney(
  storage: LocalStorage,
  opts: { poolAddress: string; daemons: DaemonEndpoint[]; target: TargetInput },
): MoneyRunner {
  const config = parseConfig({
    coins: [
      {
        symbol: 'LTC',
        network: 'regtest',
        poolAddress: opts.poolAddress,
        daemons: opts.daemons,
        ports: [{ port: 0, difficulty: { initial: 0.01, min: 0.001, max: 1000 } }],
        rewards: { scheme: 'PPLNS', feeWallets: [{ address: opts.poolAddress }] },
        conversion: {
          exchanges: [{ id: 'binance', credentials: { apiKey: 'k', secret: 's' } }],
          targets: [opts.target],
        },
      },
    ],
  });
  return startMoney({
    coin: config.coins[0]!,
    shares: storage.shares,
    money: storage.money,
    conversions: storage.conversions,
    log: createLogger('target-money', 'silent'),
    timers: false,
  })!;
}
