import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { BitcoinChainReader } from '../../../adapters/rpc/bitcoin-chain-reader.js';
import { runConfirmPass } from '../../../app/confirm/pass.js';
import { getCoin } from '../../../core/coins/index.js';
import { balancesFromEntries } from '../../../core/ledger/ledger.js';
import { rewardsConfigSchema } from '../../../core/rewards/config.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import { auditCoin } from '../../../local/audit.js';
import { withDevnet } from '../../helpers/devnet.js';
import { type Dynamo, silentLog, startDynamo } from '../../helpers/dynamo.js';
import { roundBatch } from './batches.js';

const LTC = getCoin('LTC');

/**
 * A real reorg on regtest litecoind: node A's `invalidateblock` takes the pool's block out of its main chain
 * (confirmations -1) and `reconsiderblock` brings it back, twice, before the chain passes coinbase maturity.
 */
describe('confirmation through reorgs on the devnet', () => {
  const net = withDevnet();
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo?.close();
  });

  it('reverses the credit of a block a reorg took out and restores it when it comes back, then matures it once', async () => {
    const devnet = net.get();
    const shares = await dynamo.freshStore();
    const names = dynamo.lastTables!;
    const money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => names);
    const rewards = rewardsConfigSchema.parse({
      scheme: 'PROP',
      feeBasisPoints: 100,
      feeWallets: [{ address: 'fee' }],
    });
    const deps = {
      coin: LTC,
      rewards,
      shares: shares.rounds,
      money,
      chain: new BitcoinChainReader(devnet.clientA, devnet.poolAddress, 8),
      log: silentLog,
      now: Date.now,
    };
    const [hash] = await devnet.mine(1, devnet.poolAddress);
    const height = await devnet.clientA.getBlockCount();
    const batch = roundBatch(
      'found',
      height,
      [
        ['alice', 3],
        ['bob', 1],
      ],
      { hash: hash!, reward: '5000000000' },
    );
    await ingestBatch(shares.ingest, batch, { claim: 'c', now: Date.now, leaseMs: 1000 });

    const sum = async (bucket: 'immature' | 'confirmed') =>
      [...balancesFromEntries(await money.listEntries('LTC')).values()].reduce((s, b) => s + b[bucket], 0n);
    const pass = async () => {
      const report = await runConfirmPass(deps);
      expect(await auditCoin(money, 'LTC')).toMatchObject({ ok: true });
      return report;
    };
    expect(await pass()).toMatchObject({ immature: 1 });
    const reward = await sum('immature');
    expect(reward).toBeGreaterThan(0n);

    for (let trip = 0; trip < 2; trip++) {
      await devnet.clientA.call('invalidateblock', [hash]);
      expect(await pass()).toMatchObject({ orphaned: 1 });
      expect((await money.getBlock('LTC', height, hash!))!.status).toBe('orphaned');
      expect(await sum('immature')).toBe(0n);
      await pass(); // still out: nothing moves
      expect(await sum('immature')).toBe(0n);

      await devnet.clientA.call('reconsiderblock', [hash]);
      expect(await pass()).toMatchObject({ restored: 1 });
      expect((await money.getBlock('LTC', height, hash!))!.status).toBe('immature');
      expect(await sum('immature')).toBe(reward);
    }

    await devnet.mine(LTC.coinbaseMaturity);
    expect(await pass()).toMatchObject({ confirmed: 1 });
    expect(await pass()).toMatchObject({ confirmed: 0, checked: 0 });
    expect(await sum('immature')).toBe(0n);
    expect(await sum('confirmed')).toBe(reward);
    const alice = balancesFromEntries(await money.listEntries('LTC')).get('alice')!.confirmed;
    expect(alice).toBe((reward * 99n * 3n) / 400n); // 99 % of the reward × 3/4, no rounding at regtest's 50 LTC
  }, 120_000);
});
