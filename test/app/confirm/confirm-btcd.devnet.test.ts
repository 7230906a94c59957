import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import type { DynamoShareStores } from '../../../adapters/aws/dynamo-share-store.js';
import { BitcoinChainReader } from '../../../adapters/rpc/bitcoin-chain-reader.js';
import { confirmBlocks } from '../../../app/confirm/confirm.js';
import { addressToOutputScript, getCoin } from '../../../core/coins/index.js';
import { balancesFromEntries } from '../../../core/ledger/ledger.js';
import { rewardsConfigSchema } from '../../../core/rewards/config.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import { auditCoin } from '../../../local/audit.js';
import { buildBlockOnTip } from '../../../local/devnet/btc-blocks.js';
import { withBtcDevnet } from '../../helpers/btc-devnet.js';
import { type Dynamo, silentLog, startDynamo } from '../../helpers/dynamo.js';
import { roundBatch } from './batches.js';

/**
 * Block confirmation with btcd as the chain (BitcoinChainReader over DaemonClient): the reward is read from the coinbase
 * of btcd's block, a hash btcd does not know and a block it holds outside its main chain are orphaned, and a block
 * is confirmed at coinbase maturity. The ledger is dynalite's.
 */

const BTC = getCoin('BTC');
const rewards = rewardsConfigSchema.parse({ scheme: 'PROP', feeBasisPoints: 100, feeWallets: [{ address: 'fee' }] });
const FULL_REWARD = 5_000_000_000n;

describe('confirmBlocks on btcd', () => {
  const net = withBtcDevnet();
  let dynamo: Dynamo;
  let shares: DynamoShareStores;
  let money: DynamoMoneyStore;

  beforeAll(async () => {
    dynamo = await startDynamo();
    shares = await dynamo.freshStore('BTC');
    const names = dynamo.lastTables!;
    money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => names);
  });
  afterAll(async () => {
    await dynamo?.close();
  });

  const deps = () => ({
    coin: BTC,
    rewards,
    shares: shares.rounds,
    money,
    chain: new BitcoinChainReader(net.get().node, net.get().poolAddress, 8),
    log: silentLog,
    now: () => 1,
  });

  async function found(hash: string, height: number, miner: string): Promise<void> {
    const batch = roundBatch(`b-${hash}`, height, [[miner, 1]], { hash, reward: FULL_REWARD.toString() }, 'BTC');
    await ingestBatch(shares.ingest, batch, { claim: 'c', now: () => 1, leaseMs: 1000 });
  }

  it('credits the coinbase btcd has for the block, orphans what btcd does not have in its main chain, confirms at maturity', async () => {
    const devnet = net.get();
    const pool = addressToOutputScript(BTC, 'simnet', devnet.poolAddress);
    // a block of the pool's, in the chain
    const [ours] = await devnet.mine(1, devnet.poolAddress);
    const height = await devnet.node.getBlockCount();
    await found(ours!, height, 'alice');
    // a block btcd stored but left on a side branch: built on the tip, then beaten by another block at its height
    const sideBranch = await buildBlockOnTip(devnet.node, pool);
    await devnet.mine(1);
    expect(await devnet.node.submitBlock(sideBranch.hex)).toBeNull();
    await found(sideBranch.hash, sideBranch.height, 'alice');
    // a found block btcd never heard of
    await found('11'.repeat(32), height - 1, 'alice');
    await devnet.mine(2); // past the grace an unknown block gets

    const first = await confirmBlocks(deps());
    expect(first).toMatchObject({ checked: 3, immature: 1, orphaned: 2 });
    let balances = balancesFromEntries(await money.listEntries('BTC'));
    // 99 % of the 50 BTC btcd's coinbase pays the pool address, 1 % fee: one block's worth, not three
    expect(balances.get('alice')!.immature).toBe((FULL_REWARD * 99n) / 100n);
    expect(balances.get('fee')!.immature).toBe(FULL_REWARD / 100n);
    const status = new Map((await money.listAllBlocks('BTC')).map((b) => [b.hash, b.status]));
    expect(status).toEqual(
      new Map([
        [ours, 'immature'],
        [sideBranch.hash, 'orphaned'],
        ['11'.repeat(32), 'orphaned'],
      ]),
    );

    await devnet.mine(BTC.coinbaseMaturity);
    expect(await confirmBlocks(deps())).toMatchObject({ confirmed: 1 });
    balances = balancesFromEntries(await money.listEntries('BTC'));
    expect(balances.get('alice')).toEqual({
      immature: 0n,
      confirmed: (FULL_REWARD * 99n) / 100n,
      pending: 0n,
      paid: 0n,
    });
    expect(await auditCoin(money, 'BTC')).toMatchObject({ ok: true });
  });
});
