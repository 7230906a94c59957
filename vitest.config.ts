import { defineConfig } from 'vitest/config';

/**
 * Tests that start programs outside the test process (regtest litecoind, a Hardhat node, Chromium, the pool or the
 * stratum container as a process, the bench's load generator): the `integration` project. Everything else runs in
 * one process against in-process components (dynalite, fake exchanges, socket pairs): the `unit` project
 * (`npm run test:unit`). `vitest run` (`npm test`) runs both.
 */
const INTEGRATION = [
  'test/e2e/**/*.test.ts',
  'test/faults/**/*.test.ts',
  'test/local/**/*.test.ts',
  'test/bench/**/*.test.ts',
  'test/**/*.devnet.test.ts',
  'test/adapters/evm/evm-payout-sender.test.ts',
  'test/app/convert/deposit.test.ts',
  'test/app/payouts/evm-payouts.test.ts',
  'test/adapters/evm/native-payout-sender.test.ts',
  'test/app/payouts/native-payouts.test.ts',
];

export default defineConfig({
  test: {
    // Integration tests start litecoind nodes and servers on loopback; keep them from starving each other on 2 cores.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: INTEGRATION } },
      { extends: true, test: { name: 'integration', include: INTEGRATION } },
    ],
  },
});
