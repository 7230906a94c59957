import { parseConfig } from '../../core/config/load.js';
import type { CoinConfig, PoolConfig } from '../../core/config/schema.js';
import type { Devnet } from '../../local/devnet/index.js';
import { devnetConfig } from '../../local/run.js';

/**
 * The devnet defaults on ephemeral ports with a fixed share difficulty (vardiff must not move it mid-test), plus
 * any per-coin overrides (rewards, payouts…).
 */
export function testPoolConfig(
  devnet: Devnet,
  difficulty: number,
  coinOverrides: Partial<Record<keyof CoinConfig, unknown>> = {},
): Readonly<PoolConfig> {
  // Without the defaults' accounts (cognito-local, a mail sink): a test that needs them adds its own section.
  const { accounts: _accounts, ...defaults } = devnetConfig(devnet, { stratum: 0, http: 0 });
  return parseConfig({
    ...defaults,
    coins: defaults.coins.map((c) => ({
      ...c,
      ports: c.ports.map((p) => ({
        ...p,
        difficulty: { ...p.difficulty, initial: difficulty, min: difficulty, max: difficulty },
      })),
      ...coinOverrides,
    })),
  });
}
