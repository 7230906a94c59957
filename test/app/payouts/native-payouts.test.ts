import { type HDNodeWallet, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { deployContract } from '../../../adapters/evm/evm-payout-sender.js';
import { NativePayoutSender } from '../../../adapters/evm/native-payout-sender.js';
import { type PayoutDeps, runPayouts } from '../../../app/payouts/payouts.js';
import { payoutConfirmationDepth } from '../../../core/coins/index.js';
import { balancesFromEntries } from '../../../core/ledger/ledger.js';
import { auditCoin } from '../../../local/audit.js';
import { REFUSING_RECIPIENT } from '../../fixtures/evm/refusing-recipient.generated.js';
import { silentLog } from '../../helpers/dynamo.js';
import type { HardhatNode } from '../../helpers/hardhat.js';
import { type EvmPayoutChain, startEvmPayoutChain } from './evm-chain.js';

const NOW = 1_700_000_000_000;
const ETHER = 10n ** 18n;
const COIN = 'ETC';
type Step = NonNullable<Parameters<NonNullable<PayoutDeps['crashAt']>>[0]>;

/**
 * ETC payouts through the payouts machine (lambdas/payouts) with the signed-first native sender on a Hardhat node and
 * the ledger on dynalite; each pass with a new sender, as a new Lambda process would have. Amounts in wei, exact.
 */
describe('ETC payouts signed by the pool, exactly once', () => {
  let chain: EvmPayoutChain;
  let node: HardhatNode;
  let money: DynamoMoneyStore;
  let pool: HDNodeWallet;
  let batch: string;

  const sender = (maxGasPrice = 10n ** 12n) =>
    new NativePayoutSender({ signer: pool, rpc: node.provider, chainId: 31337, batch, maxGasPrice, gasReserve: ETHER });
  const deps = (crashAt?: PayoutDeps['crashAt'], s = sender(), confirmations?: number): PayoutDeps => ({
    coin: COIN,
    policy: { minimum: 1_000n, maxRecipients: 50, inactiveAfterMs: 0 },
    ...(confirmations === undefined ? {} : { confirmations }),
    money,
    sender: s,
    log: silentLog,
    now: () => NOW,
    crashAt,
  });
  const onChain = (account: string) => chain.onChain(COIN, account);
  const nonce = () => node.provider.getTransactionCount(pool.address, 'latest');
  const crashAt = (step: Step) => (s: Step) => {
    if (s === step) throw new Error(`crash ${s}`);
  };
  async function credit(amounts: bigint[]): Promise<Map<string, bigint>> {
    const owed = new Map(amounts.map((a) => [Wallet.createRandom().address, a] as const));
    await chain.credit(COIN, [...owed]);
    return owed;
  }
  async function expectPaidOnce(owed: Map<string, bigint>): Promise<void> {
    const balances = balancesFromEntries(await money.listEntries(COIN));
    for (const [account, amount] of owed) {
      expect(await onChain(account)).toBe(amount); // to the wei, once
      expect(balances.get(account)).toEqual({ immature: 0n, confirmed: 0n, pending: 0n, paid: amount });
    }
    expect(await auditCoin(money, COIN)).toMatchObject({ ok: true });
  }

  beforeAll(async () => {
    chain = await startEvmPayoutChain(NOW);
    ({ node, money, pool } = chain);
    batch = chain.batch.address;
  }, 60_000);
  afterAll(async () => {
    await Promise.all([chain?.node.stop(), chain?.dynamo.close()]);
  });

  it.each<Step>(['after-prepare', 'after-record', 'after-send', 'after-sent'])(
    'a pass that dies at %s, then the next ones, pay every miner exactly once in one transaction',
    async (step) => {
      const owed = await credit([1_234_567_890_123_456_789n, 3n * ETHER, 1_000n]);
      const before = await nonce();
      await expect(runPayouts(deps(crashAt(step)))).rejects.toThrow(`crash ${step}`);
      const [open] = (await money.listPayouts(COIN)).filter((p) => p.status !== 'confirmed');
      if (step === 'after-prepare')
        expect(open!.signedTx).toBeUndefined(); // signed, never recorded nor sent
      else expect(open!.signedTx).toBeDefined();

      const next = await runPayouts(deps());
      expect(next).toMatchObject({ status: 'progressed', payouts: [{ id: open!.id, status: 'confirmed' }] });
      if (open!.txid) expect((next as { payouts: Array<{ txid: string }> }).payouts[0]!.txid).toBe(open!.txid);
      expect(await runPayouts(deps())).toEqual({ status: 'idle' });
      expect(await nonce()).toBe(before + 1); // one transaction of the pool's key
      await expectPaidOnce(owed);
    },
  );

  it("keeps a payout sent until ETC's payout depth, and broadcasts again the recorded transaction a reorg dropped", async () => {
    const depth = payoutConfirmationDepth({ symbol: COIN });
    const owed = await credit([2n * ETHER, 7_000n]);
    const before = await nonce();
    const fork = await node.provider.send('evm_snapshot', []);
    const pass = () => runPayouts(deps(undefined, sender(), depth));
    const first = await pass(); // Hardhat mines the transaction at once: 1 confirmation
    expect(first).toMatchObject({ status: 'progressed', payouts: [{ status: 'sent' }] });
    const { id, txid } = (first as { payouts: Array<{ id: string; txid: string }> }).payouts[0]!;
    await node.mine(depth - 2);
    expect(await sender().confirmations(txid)).toBe(depth - 1);
    expect(await pass()).toMatchObject({ payouts: [{ id, txid, status: 'sent' }] });

    // A reorg drops the block that held it, and the node forgets it: the recorded bytes go out again.
    expect(await node.provider.send('evm_revert', [fork])).toBe(true);
    expect(await sender().confirmations(txid)).toBe(0);
    for (const account of owed.keys()) expect(await onChain(account)).toBe(0n);
    expect(await pass()).toMatchObject({ payouts: [{ id, txid, status: 'sent' }] });
    await node.mine(depth - 2);
    expect(await pass()).toMatchObject({ payouts: [{ id, txid, status: 'sent' }] });
    await node.mine(1);
    expect(await pass()).toMatchObject({ payouts: [{ id, txid, status: 'confirmed' }] });
    expect(await pass()).toEqual({ status: 'idle' });
    expect(await nonce()).toBe(before + 1); // the one recorded transaction, never a second
    await expectPaidOnce(owed);
  });

  it('pays the others when a contract refuses the coin, and returns its amount to its balance', async () => {
    const burner = (await deployContract(pool, node.provider, REFUSING_RECIPIENT)).address;
    const owed = await credit([2n * ETHER, 1_000n]);
    await chain.credit(COIN, [[burner, 5n * ETHER]]);
    const held = await onChain(pool.address);

    const pass = await runPayouts(deps());
    expect(pass).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
    const txid = (pass as { payouts: Array<{ txid: string }> }).payouts[0]!.txid;
    await expectPaidOnce(owed);
    expect(await onChain(burner)).toBe(0n);
    const balances = balancesFromEntries(await money.listEntries(COIN));
    expect(balances.get(burner)).toEqual({ immature: 0n, confirmed: 5n * ETHER, pending: 0n, paid: 0n });
    const returned = (await money.listAccountEntries(COIN, burner)).find((e) => e.kind === 'returned');
    expect(returned).toMatchObject({ amount: 5n * ETHER, note: expect.stringContaining(txid) });
    // The refused 5 ETC came back to the pool in the same transaction: it paid the others and the gas only.
    const receipt = await node.provider.getTransactionReceipt(txid);
    expect(held - (await onChain(pool.address))).toBe(2n * ETHER + 1_000n + receipt!.gasUsed * receipt!.gasPrice);
  });

  it('a gas price above the cap suspends payouts before anything is signed or sent', async () => {
    await money.setSuspension(COIN, undefined);
    const owed = await credit([6n * ETHER]);
    const before = await nonce();
    const report = await runPayouts(deps(undefined, sender(1n)));
    expect(report).toMatchObject({ status: 'suspended', reason: expect.stringContaining('maxGasPrice') });
    expect(await nonce()).toBe(before);
    const [open] = (await money.listPayouts(COIN)).filter((p) => p.status !== 'confirmed');
    expect(open).toMatchObject({ status: 'pending' });
    expect(open!.signedTx).toBeUndefined();
    for (const account of owed.keys()) expect(await onChain(account)).toBe(0n);

    // Resumed by the operator with the cap back: paid once.
    await money.setSuspension(COIN, undefined);
    const resumed = await runPayouts(deps());
    expect(resumed).toMatchObject({ status: 'progressed' });
    expect((resumed as { payouts: Array<{ id: string; status: string }> }).payouts).toContainEqual(
      expect.objectContaining({ id: open!.id, status: 'confirmed' }),
    );
    for (const [account, amount] of owed) expect(await onChain(account)).toBe(amount);
  });

  it('a recorded transaction whose nonce another transaction took suspends payouts and pays nothing', async () => {
    await money.setSuspension(COIN, undefined);
    const owed = await credit([4n * ETHER]);
    await expect(runPayouts(deps(crashAt('after-record')))).rejects.toThrow('crash after-record');
    // The pool's key signs something else at that nonce before the next pass.
    const taken = await node.provider.getTransactionCount(pool.address, 'pending');
    await (await pool.sendTransaction({ to: pool.address, value: 1n, nonce: taken })).wait();

    const report = await runPayouts(deps());
    expect(report).toMatchObject({ status: 'suspended', reason: expect.stringContaining('cannot be mined') });
    for (const account of owed.keys()) expect(await onChain(account)).toBe(0n);
    const [open] = (await money.listPayouts(COIN)).filter((p) => p.status !== 'confirmed');
    expect(open).toMatchObject({ status: 'sending' }); // its transaction recorded: never signed anew automatically
  });
});
