import { type HDNodeWallet, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { deployContract, EvmDecimalsMismatchError, EvmPayoutSender } from '../../../adapters/evm/evm-payout-sender.js';
import { targetPayoutSender } from '../../../adapters/evm/target-payout-sender.js';
import { type PayoutDeps, runPayouts } from '../../../app/payouts/payouts.js';
import { audit, balancesFromEntries, entryId } from '../../../core/ledger/ledger.js';
import { auditCoin } from '../../../local/audit.js';
import { REFUSING_RECIPIENT } from '../../fixtures/evm/refusing-recipient.generated.js';
import { TEST_TOKEN } from '../../fixtures/evm/test-token.generated.js';
import { silentLog } from '../../helpers/dynamo.js';
import type { HardhatNode } from '../../helpers/hardhat.js';
import { type EvmPayoutChain, startEvmPayoutChain, TOKEN } from './evm-chain.js';

const NOW = 1_700_000_000_000;

/**
 * A conversion target's payouts (runPayouts with the sender adapters/evm/target-payout-sender.ts builds) on a Hardhat node and
 * dynalite, when the chain will not pay someone: a recipient the token blacklists or a contract refusing the native
 * coin is skipped and the others paid, its amount returned to its balance with a note the audit checks; a payout the
 * chain refuses as a whole suspends the target instead of being retried every pass; a token counting in other
 * decimals than the ledger is refused before anything is reserved or sent.
 */
describe('EVM target payouts when the chain refuses a recipient or the payout', () => {
  let chain: EvmPayoutChain;
  let node: HardhatNode;
  let money: DynamoMoneyStore;
  let pool: HDNodeWallet;
  let token: string;
  let batch: { address: string; block: number };
  const stops: Array<() => void> = [];

  const send = (to: string, data: string) => chain.send(to, data);
  const onChain = (coin: string, account: string) => chain.onChain(coin, account);
  const credit = (coin: string, owed: Array<[string, bigint]>) => chain.credit(coin, owed);

  /** USDT through the target's own sender (the ledger's 6 decimals checked); ETH: the native coin, 18. */
  function deps(coin: 'USDT' | 'ETH', over: { token?: string; crashAt?: PayoutDeps['crashAt'] } = {}): PayoutDeps {
    const contract = { contract: batch.address, deploymentBlock: batch.block, rpcUrl: node.url };
    const schedule = { minimum: '1000', maxRecipients: 50, intervalSeconds: 60 };
    const target = { currency: 'USDT' as const, payouts: { kind: 'evm' as const, token: over.token ?? token } };
    const built = targetPayoutSender(
      { ...target, payouts: { ...target.payouts, ...contract, ...schedule } },
      pool.privateKey,
    );
    stops.push(built.close);
    const sender =
      coin === 'USDT'
        ? built.sender
        : new EvmPayoutSender({
            signer: pool,
            rpc: node.provider,
            batch: batch.address,
            fromBlock: batch.block,
            decimals: 18,
            gasReserve: 10n ** 18n,
          });
    return {
      coin,
      policy: { minimum: 1_000n, maxRecipients: 50, inactiveAfterMs: 0 },
      money,
      sender,
      log: silentLog,
      now: () => NOW,
      crashAt: over.crashAt,
    };
  }

  const balances = async (coin: string) => balancesFromEntries(await money.listEntries(coin));

  beforeAll(async () => {
    chain = await startEvmPayoutChain(NOW);
    ({ node, money, pool, token, batch } = chain);
  }, 60_000);
  afterAll(async () => {
    for (const stop of stops) stop();
    await Promise.all([chain?.node.stop(), chain?.dynamo.close()]);
  });

  it('USDT: pays the others, returns a blacklisted recipient’s amount to its balance with a note, pays nobody twice', async () => {
    const [alice, blocked, carol] = [0, 1, 2].map(() => Wallet.createRandom().address) as [string, string, string];
    await send(token, TOKEN.encodeFunctionData('addBlackList', [blocked]));
    await credit('USDT', [
      [alice, 2_500_000n],
      [blocked, 1_234_567n],
      [carol, 1_000n],
    ]);

    const first = await runPayouts(deps('USDT'));
    expect(first).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
    const txid = (first as { payouts: Array<{ txid: string }> }).payouts[0]!.txid;
    const [payout] = await money.listPayouts('USDT');

    expect(await onChain('USDT', alice)).toBe(2_500_000n);
    expect(await onChain('USDT', carol)).toBe(1_000n);
    expect(await onChain('USDT', blocked)).toBe(0n);
    let b = await balances('USDT');
    expect(b.get(alice)).toEqual({ immature: 0n, confirmed: 0n, pending: 0n, paid: 2_500_000n });
    expect(b.get(blocked)).toEqual({ immature: 0n, confirmed: 1_234_567n, pending: 0n, paid: 0n });
    const returned = (await money.listAccountEntries('USDT', blocked)).find((e) => e.kind === 'returned');
    expect(returned).toMatchObject({
      id: entryId('returned', payout!.id, 'miner', blocked),
      amount: 1_234_567n,
      note: `the token refused the transfer in transaction ${txid}`,
    });
    expect(await auditCoin(money, 'USDT')).toMatchObject({ ok: true });

    // The next passes try the blocked one again (and again return it); the others are never paid twice.
    expect(await runPayouts(deps('USDT'))).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
    expect(await runPayouts(deps('USDT'))).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
    expect(await onChain('USDT', alice)).toBe(2_500_000n);
    expect(await onChain('USDT', carol)).toBe(1_000n);
    b = await balances('USDT');
    expect(b.get(alice)!.paid).toBe(2_500_000n);
    expect(b.get(blocked)).toEqual({ immature: 0n, confirmed: 1_234_567n, pending: 0n, paid: 0n });
    const entries = await money.listEntries('USDT');
    expect(entries.filter((e) => e.kind === 'returned' && e.account === blocked)).toHaveLength(3);
    expect(await auditCoin(money, 'USDT')).toMatchObject({ ok: true });

    // The audit holds a returned entry to its note and to the reserve it gives back.
    const confirmedPayouts = new Map((await money.listPayouts('USDT')).map((p) => [p.id, p.total]));
    const base = { matureBlocks: new Map(), creditedBlocks: new Map(), confirmedPayouts };
    expect(audit({ ...base, entries })).toMatchObject({ ok: true });
    const unexplained = entries.map((e) => (e.kind === 'returned' ? { ...e, note: undefined } : e));
    expect(audit({ ...base, entries: unexplained })).toEqual({
      ok: false,
      problem: expect.stringContaining('without a note saying why'),
    });
    const alsoPaid = { ...returned!, kind: 'paid' as const, id: entryId('paid', payout!.id, 'miner', blocked) };
    expect(audit({ ...base, entries: [...entries, alsoPaid] })).toMatchObject({ ok: false });
  });

  it('ETH: pays the others when contracts refuse the native coin, and returns their amounts with a note', async () => {
    const burner = (await deployContract(pool, node.provider, REFUSING_RECIPIENT)).address;
    const alice = Wallet.createRandom().address;
    await credit('ETH', [
      [alice, 3_000_000n],
      [burner, 2_000_000n],
      [token, 1_500_000n], // a contract without a receive function
    ]);
    const report = await runPayouts(deps('ETH'));
    expect(report).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
    expect(await onChain('ETH', alice)).toBe(3_000_000n);
    expect(await onChain('ETH', burner)).toBe(0n);
    const b = await balances('ETH');
    expect(b.get(alice)!.paid).toBe(3_000_000n);
    for (const [account, amount] of [
      [burner, 2_000_000n],
      [token, 1_500_000n],
    ] as const) {
      expect(b.get(account)).toEqual({ immature: 0n, confirmed: amount, pending: 0n, paid: 0n });
      const [entry] = (await money.listAccountEntries('ETH', account)).filter((e) => e.kind === 'returned');
      expect(entry!.note).toMatch(/^the address refused the native coin in transaction 0x/);
    }
    expect(await auditCoin(money, 'ETH')).toMatchObject({ ok: true });
  });

  it('a payout the chain refuses as a whole suspends the target, sends nothing, and is paid once after resume', async () => {
    const owed: Array<[string, bigint]> = [
      [Wallet.createRandom().address, 7_000_000n],
      [Wallet.createRandom().address, 8_000n],
    ];
    await credit('USDT', owed);
    // Planned and reserved, then the pool's tokens leave before the next pass sends it.
    await expect(
      runPayouts(
        deps('USDT', {
          crashAt: (s) => {
            if (s === 'after-reserve') throw new Error('crash');
          },
        }),
      ),
    ).rejects.toThrow('crash');
    const held = await onChain('USDT', pool.address);
    const vault = node.wallet(3);
    await send(token, TOKEN.encodeFunctionData('transfer', [vault.address, held]));
    const nonce = await node.provider.getTransactionCount(pool.address, 'latest');

    const refused = await runPayouts(deps('USDT'));
    expect(refused).toEqual({
      status: 'suspended',
      reason: expect.stringMatching(/refused before sending: .*holds 0/),
    });
    expect(await money.getSuspension('USDT')).toBe((refused as { reason: string }).reason);
    expect(await runPayouts(deps('USDT'))).toEqual(refused); // not retried every pass
    expect(await node.provider.getTransactionCount(pool.address, 'latest')).toBe(nonce);
    const stuck = (await money.listPayouts('USDT')).find((p) => p.status !== 'confirmed')!;
    expect(stuck.status).toBe('pending'); // its amounts stay reserved for it
    for (const [account, amount] of owed) expect((await balances('USDT')).get(account)!.pending).toBe(amount);

    // The operator brings the funds back and resumes: the same payout goes out once.
    await vault.sendTransaction({ to: token, data: TOKEN.encodeFunctionData('transfer', [pool.address, held]) });
    await money.setSuspension('USDT', undefined);
    const resumed = await runPayouts(deps('USDT'));
    // (The blacklisted miner of the first test is planned again after it, and returned again.)
    expect(resumed).toMatchObject({ status: 'progressed', payouts: [{ id: stuck.id, status: 'confirmed' }, {}] });
    for (const [account, amount] of owed) expect(await onChain('USDT', account)).toBe(amount);
    expect(await auditCoin(money, 'USDT')).toMatchObject({ ok: true });
  });

  it('refuses a token whose decimals() differ from the ledger’s at start, reserving and sending nothing', async () => {
    const bsc = (await deployContract(pool, node.provider, TEST_TOKEN)).address;
    await send(bsc, TOKEN.encodeFunctionData('setDecimals', [18]));
    await send(bsc, TOKEN.encodeFunctionData('mint', [pool.address, 10n ** 24n]));
    const built = targetPayoutSender(
      {
        currency: 'USDT',
        payouts: {
          kind: 'evm',
          token: bsc,
          rpcUrl: node.url,
          contract: batch.address,
          deploymentBlock: batch.block,
          minimum: '1000',
          maxRecipients: 50,
          intervalSeconds: 60,
        },
      },
      pool.privateKey,
    );
    stops.push(built.close);
    await expect(built.ready()).rejects.toThrow(`token ${bsc} has 18 decimals but the ledger it pays counts 6`);

    const miner = Wallet.createRandom().address;
    await credit('USDT', [[miner, 5_000_000n]]);
    const payoutsBefore = (await money.listPayouts('USDT')).length;
    const nonce = await node.provider.getTransactionCount(pool.address, 'latest');
    await expect(runPayouts(deps('USDT', { token: bsc }))).rejects.toThrow(EvmDecimalsMismatchError);
    expect((await money.listPayouts('USDT')).length).toBe(payoutsBefore);
    expect((await balances('USDT')).get(miner)).toMatchObject({ confirmed: 5_000_000n, pending: 0n });
    expect(await node.provider.getTransactionCount(pool.address, 'latest')).toBe(nonce);
  });
});
