import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { handleApi } from '../../../app/stats/api.js';
import { type Miner, minerSchema } from '../../../app/stats/schema.js';
import type { BlockCredit } from '../../../core/blocks/block.js';
import { blockEntries, entryId } from '../../../core/ledger/ledger.js';
import { regtestAddress } from '../../fargate/stratum/fakes.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { storeDeps } from './helpers.js';

const NOW = 1_700_000_000_000;
const REFERRER = regtestAddress(5);
const REFERRED = regtestAddress(6);
const [A, B, C] = ['aa', 'bb', 'cc'].map((x) => x.repeat(32)) as [string, string, string];

/**
 * The referrer's side of referrals on its miner page (issue 19): the stats API's miner view sums the address's own
 * 'referral' block credits, as the confirmation pass writes them, over the real ledger tables (dynalite).
 */
describe('a miner page shows what the address earned as a referrer', () => {
  let dynamo: Dynamo;
  let get: (address: string) => Promise<Miner>;

  // Block A matured; B left the chain and came back (still maturing); C left the chain for good.
  const referralA: BlockCredit = { account: REFERRER, role: 'referral', amount: 1_000n };
  const referralB: BlockCredit = { account: REFERRER, role: 'referral', amount: 300n };
  const referralC: BlockCredit = { account: REFERRER, role: 'referral', amount: 250n };
  // Its own mining and a PPS round: in its balance, not referral earnings.
  const ownMining: BlockCredit = { account: REFERRER, role: 'miner', amount: 50_000n };
  const pps = 7_000n;

  beforeAll(async () => {
    dynamo = await startDynamo();
    const shares = await dynamo.freshStore();
    const names = dynamo.lastTables!;
    const money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => names);
    const referredMiner: BlockCredit = { account: REFERRED, role: 'miner', amount: 90_000n };
    await money.putEntries('LTC', [
      ...blockEntries('immature', A, [referralA, ownMining, referredMiner], NOW - 9_000),
      ...blockEntries('mature', A, [referralA, ownMining, referredMiner], NOW - 8_000),
      ...blockEntries('immature', B, [referralB], NOW - 7_000),
      ...blockEntries('orphan', B, [referralB], NOW - 6_000),
      ...blockEntries('restore', B, [referralB], NOW - 5_000),
      ...blockEntries('immature', C, [referralC], NOW - 4_000),
      ...blockEntries('orphan', C, [referralC], NOW - 3_000),
      {
        id: entryId('pps', 'h10', 'miner', REFERRER),
        account: REFERRER,
        kind: 'pps',
        role: 'miner',
        amount: pps,
        ref: 'h10',
        time: NOW - 2_000,
      },
    ]);
    const deps = storeDeps(shares, money, NOW);
    get = async (address) => {
      const res = await handleApi(
        { method: 'GET', path: `/api/pools/LTC/miners/${address}`, query: new URLSearchParams() },
        deps,
      );
      expect(res.status).toBe(200);
      return minerSchema.parse(JSON.parse(res.body));
    };
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('sums its referral credits: matured as confirmed, maturing as immature, orphaned ones taken back', async () => {
    const page = await get(REFERRER);
    expect(page.referrals).toEqual({
      immature: referralB.amount.toString(),
      confirmed: referralA.amount.toString(),
    });
    // The balance holds them with the address's own mining: the referral figure is a part of it.
    expect(page.balance.immature).toBe(referralB.amount.toString());
    expect(page.balance.confirmed).toBe((referralA.amount + ownMining.amount + pps).toString());
    // The maturing referral credit is listed among the rewards with its role.
    expect(page.rewards.filter((r) => r.role === 'referral').map((r) => [r.ref, r.amount])).toEqual([
      [C, referralC.amount.toString()],
      [B, referralB.amount.toString()],
      [A, referralA.amount.toString()],
    ]);
  });

  it('shows zero for an address that referred no one, whatever it mined', async () => {
    expect((await get(REFERRED)).referrals).toEqual({ immature: '0', confirmed: '0' });
    expect((await get(regtestAddress(7))).referrals).toEqual({ immature: '0', confirmed: '0' });
  });
});
