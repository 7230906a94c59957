import { getAddress, JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { PAYOUT_BATCH } from '../../../adapters/evm/payout-batch.generated.js';
import { type PayoutDeps, runPayouts } from '../../../app/payouts/payouts.js';
import { parseConfig } from '../../../core/config/load.js';
import { balancesFromEntries } from '../../../core/ledger/ledger.js';
import { isSignedFirst } from '../../../core/ports/payout-sender.js';
import { ethereumFamily } from '../../../families/ethereum/index.js';
import { type Dynamo, silentLog, startDynamo } from '../../helpers/dynamo.js';
import { withEtcDevnet } from '../../helpers/etc-devnet.js';
import { maturedCredits } from '../../helpers/matured-credits.js';

const NOW = 1_700_000_000_000;
const ETHER = 10n ** 18n;

/**
 * ETC payouts on the core-geth devnet (chain id 63999): the ethereum family's sender built from a coin config with
 * the devnet's pool key, through the payouts machine and the ledger on dynalite. Blocks come only from the test's
 * light-cache miner, so a payout is mined when the test mines.
 */
describe('ETC payouts on core-geth', () => {
  const net = withEtcDevnet();
  let dynamo: Dynamo;
  let money: DynamoMoneyStore;
  let provider: JsonRpcProvider;
  let contract: string;

  /** Mines blocks until `done` holds (core-geth adds new transactions to its work every few seconds). */
  async function mineUntil(done: () => Promise<boolean>, blocks = 40): Promise<void> {
    for (let i = 0; i < blocks; i++) {
      if (await done()) return;
      await net.get().mine(1);
    }
    throw new Error(`not done after ${blocks} blocks`);
  }

  /** The receipt, or null while the node has none (core-geth answers an error while it indexes transactions). */
  async function receipt(txid: string) {
    try {
      return await provider.getTransactionReceipt(txid);
    } catch (err) {
      if (/indexing is in progress/.test(String(err))) return null;
      throw err;
    }
  }

  beforeAll(async () => {
    dynamo = await startDynamo();
    await dynamo.freshStore('ETC');
    const tables = dynamo.lastTables!;
    money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => tables);
    const d = net.get();
    provider = new JsonRpcProvider(d.rpc[0]!.url, d.chainId, { staticNetwork: true, cacheTimeout: -1 });
    // Sent, then mined here: ethers' wait() gives up on core-geth's "transaction indexing is in progress".
    const deploy = await new Wallet(d.payoutKey, provider).sendTransaction({ data: PAYOUT_BATCH.bytecode });
    await mineUntil(async () => (await receipt(deploy.hash)) !== null);
    contract = getAddress((await receipt(deploy.hash))!.contractAddress!);
  }, 120_000);
  afterAll(async () => {
    provider?.destroy();
    await dynamo?.close();
  });

  it('pays each miner its exact wei once, signed by the pool key for the devnet chain id', async () => {
    const d = net.get();
    const coin = parseConfig({
      coins: [
        {
          symbol: 'ETC',
          network: 'devnet',
          poolAddress: d.poolAddress,
          daemons: d.rpc.map((r) => ({ url: r.url, user: 'devnet', password: 'devnet' })),
          ports: [{ port: 0, difficulty: { initial: 16, min: 2, max: 1e12 } }],
          payouts: { contract, privateKey: d.payoutKey, maxRecipients: 50, minimum: '1000000000000000' },
        },
      ],
    }).coins[0]!;
    const owed = new Map(
      [1_234_567_890_123_456_789n, 2n * ETHER, 1_000n].map((a) => [Wallet.createRandom().address, a] as const),
    );
    await money.putEntries('ETC', maturedCredits(owed, 'etc-block-1', NOW));
    const deps = (): PayoutDeps => {
      const sender = ethereumFamily.money.payoutSender(coin);
      expect(isSignedFirst(sender)).toBe(true);
      return {
        coin: 'ETC',
        policy: { minimum: 1_000n, maxRecipients: 50 },
        money,
        sender,
        log: silentLog,
        now: () => NOW,
      };
    };

    const first = await runPayouts(deps());
    expect(first).toMatchObject({ status: 'progressed', payouts: [{ status: 'sent' }] });
    const { id, txid } = (first as { payouts: Array<{ id: string; txid: string }> }).payouts[0]!;
    const tx = await provider.getTransaction(txid);
    expect(tx).toMatchObject({ from: d.poolAddress, to: contract, chainId: 63_999n, type: 0 });

    // The recorded bytes sent again while pending ("already known") and once mined ("nonce too low", but ours): the
    // same transaction, nothing new.
    const recorded = (await money.listPayouts('ETC')).find((p) => p.id === id)!;
    const again = ethereumFamily.money.payoutSender(coin);
    if (!isSignedFirst(again)) throw new Error('expected the signed-first sender');
    expect(await again.broadcast({ txid, raw: recorded.signedTx! })).toBe(txid);
    await mineUntil(async () => (await receipt(txid)) !== null);
    expect(await again.broadcast({ txid, raw: recorded.signedTx! })).toBe(txid);
    expect(await runPayouts(deps())).toMatchObject({
      status: 'progressed',
      payouts: [{ id, status: 'confirmed', txid }],
    });
    const balances = balancesFromEntries(await money.listEntries('ETC'));
    expect(await provider.getTransactionCount(d.poolAddress, 'latest')).toBe(2); // the deployment and the payout
    for (const [account, amount] of owed) {
      expect(await provider.getBalance(account)).toBe(amount);
      expect(balances.get(account)).toEqual({ immature: 0n, confirmed: 0n, pending: 0n, paid: amount });
    }
  });
});
