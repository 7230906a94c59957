import { type HDNodeWallet, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { EvmPayoutSender, EvmPayoutUnsettledError } from '../../../adapters/evm/evm-payout-sender.js';
import { type PayoutDeps, runPayouts } from '../../../app/payouts/payouts.js';
import { balancesFromEntries } from '../../../core/ledger/ledger.js';
import { silentLog } from '../../helpers/dynamo.js';
import type { HardhatNode } from '../../helpers/hardhat.js';
import { type EvmPayoutChain, startEvmPayoutChain } from './evm-chain.js';

const NOW = 1_700_000_000_000;
type Step = NonNullable<Parameters<NonNullable<PayoutDeps['crashAt']>>[0]>;

/**
 * The exactly-once payout machine (lambdas/payouts) with the EVM sender on a Hardhat node and the money store on
 * dynalite: miners credited in a conversion target's ledger (USDT, or the chain's native coin) are paid once, even
 * when the pass dies around the send — each pass with a new sender, as a new Lambda process would have.
 */
describe('EVM payouts, exactly once through runPayouts', () => {
  let chain: EvmPayoutChain;
  let node: HardhatNode;
  let money: DynamoMoneyStore;
  let pool: HDNodeWallet;
  let token: string;
  let batch: { address: string; block: number };
  const onChain = (coin: string, account: string) => chain.onChain(coin, account);

  /** Three miners credited by a conversion (convert-in entries) in the coin's ledger. */
  async function credit(coin: string, amounts: bigint[]): Promise<Map<string, bigint>> {
    const owed = new Map(amounts.map((a) => [Wallet.createRandom().address, a] as const));
    await chain.credit(coin, [...owed]);
    return owed;
  }

  const deps = (coin: string, crashAt?: PayoutDeps['crashAt']): PayoutDeps & { sender: EvmPayoutSender } => ({
    coin,
    policy: { minimum: 1_000n, maxRecipients: 50, inactiveAfterMs: 0 },
    money,
    // A new sender each pass: what the crashed process knew is gone.
    sender: new EvmPayoutSender({
      signer: pool,
      rpc: node.provider,
      batch: batch.address,
      fromBlock: batch.block,
      ...(coin === 'USDT' ? { token } : { gasReserve: 10n ** 18n }),
    }),
    log: silentLog,
    now: () => NOW,
    crashAt,
  });

  beforeAll(async () => {
    chain = await startEvmPayoutChain(NOW);
    ({ node, money, pool, token, batch } = chain);
  });
  afterAll(async () => {
    await Promise.all([chain?.node.stop(), chain?.dynamo.close()]);
  });

  const cases: Array<[string, Step]> = [
    ['USDT', 'after-send'],
    ['USDT', 'after-sending'],
    ['USDT', 'after-sent'],
    ['ETH', 'after-send'],
  ];
  it.each(cases)('%s: a pass that dies at %s, then the next ones, pay every miner exactly once', async (coin, step) => {
    const owed = await credit(coin, [2_500_000n, 1_234_567n, 1_000n]);
    const crash = (s: Step) => {
      if (s === step) throw new Error(`crash ${s}`);
    };
    await expect(runPayouts(deps(coin, crash))).rejects.toThrow(`crash ${step}`);
    const [payout] = (await money.listPayouts(coin)).filter((p) => p.status !== 'confirmed');
    expect(payout!.recipients).toHaveLength(3);

    const next = await runPayouts(deps(coin)); // the next scheduled pass: reconciles, then confirms
    expect(next).toMatchObject({ status: 'progressed', payouts: [{ id: payout!.id, status: 'confirmed' }] });
    expect(await runPayouts(deps(coin))).toEqual({ status: 'idle' });

    const found = await deps(coin).sender.findPayout(payout!.id);
    expect(found).toHaveLength(1); // one transaction carries the payout id
    expect(found[0]!.txid).toBe((next as { payouts: Array<{ txid: string }> }).payouts[0]!.txid);
    const balances = balancesFromEntries(await money.listEntries(coin));
    for (const [account, amount] of owed) {
      expect(await onChain(coin, account)).toBe(amount); // to the base unit, once
      expect(balances.get(account)).toEqual({ immature: 0n, confirmed: 0n, pending: 0n, paid: amount });
    }
  });

  it('USDT: a pass that dies after broadcasting a transaction still in the mempool: nothing is sent again', async () => {
    const owed = await credit('USDT', [3_000_000n, 4_000n]);
    await node.automine(false);
    try {
      await expect(
        runPayouts(
          deps('USDT', (s) => {
            if (s === 'after-send') throw new Error('crash');
          }),
        ),
      ).rejects.toThrow('crash');
      // Not mined, not found: the next pass must not take that for "never sent".
      const nonce = await node.provider.getTransactionCount(pool.address, 'pending');
      await expect(runPayouts(deps('USDT'))).rejects.toThrow(EvmPayoutUnsettledError);
      expect(await node.provider.getTransactionCount(pool.address, 'pending')).toBe(nonce); // sent nothing
      await node.mine(1);
    } finally {
      await node.automine(true);
    }
    expect(await runPayouts(deps('USDT'))).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
    expect(await runPayouts(deps('USDT'))).toEqual({ status: 'idle' });
    for (const [account, amount] of owed) expect(await onChain('USDT', account)).toBe(amount);
  });
});
