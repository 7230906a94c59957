import { type HDNodeWallet, Interface, MaxUint256, parseEther, Wallet, ZeroAddress } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deployContract,
  EvmDecimalsMismatchError,
  EvmPayoutSender,
  EvmPayoutUnsettledError,
  InvalidEvmRecipientError,
  payoutIdHash,
} from '../../../adapters/evm/evm-payout-sender.js';
import { PAYOUT_BATCH } from '../../../adapters/evm/payout-batch.generated.js';
import type { PayoutRecipient } from '../../../core/ledger/payouts.js';
import { PayoutNotSentError } from '../../../core/ports/payout-sender.js';
import { REFUSING_RECIPIENT } from '../../fixtures/evm/refusing-recipient.generated.js';
import { TEST_TOKEN } from '../../fixtures/evm/test-token.generated.js';
import { type HardhatNode, startHardhat } from '../../helpers/hardhat.js';

const TOKEN = new Interface(TEST_TOKEN.abi);
const BATCH = new Interface(PAYOUT_BATCH.abi);

/** Three fresh addresses (EIP-55 checksummed, as the sender wants them) with distinct amounts. */
const recipients = (amounts: bigint[]): PayoutRecipient[] =>
  amounts.map((amount) => ({ account: Wallet.createRandom().address, amount }));

describe('EvmPayoutSender on a Hardhat node', () => {
  let node: HardhatNode;
  let pool: HDNodeWallet;
  let token: string;
  let batch: { address: string; block: number };

  const balance = async (account: string) => BigInt(await node.provider.send('eth_getBalance', [account, 'latest']));
  const tokenBalance = async (account: string) =>
    BigInt(await node.provider.call({ to: token, data: TOKEN.encodeFunctionData('balanceOf', [account]) }));
  const sender = (over: Partial<ConstructorParameters<typeof EvmPayoutSender>[0]> = {}) =>
    new EvmPayoutSender({ signer: pool, rpc: node.provider, batch: batch.address, fromBlock: batch.block, ...over });
  const nonceOf = async (account: string) => node.provider.getTransactionCount(account, 'latest');

  beforeAll(async () => {
    node = await startHardhat();
    pool = node.wallet(0);
    token = (await deployContract(pool, node.provider, TEST_TOKEN)).address;
    batch = await deployContract(pool, node.provider, PAYOUT_BATCH);
    await pool.sendTransaction({
      to: token,
      data: TOKEN.encodeFunctionData('mint', [pool.address, 1_000_000_000_000n]),
      nonce: await node.provider.getTransactionCount(pool.address, 'pending'),
    });
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('pays three recipients the native coin in one transaction, to the wei, and finds it by the payout id', async () => {
    const eth = sender();
    const to = recipients([parseEther('1.5'), 123_456_789_012_345_678n, 1n]);
    const nonceBefore = await nonceOf(pool.address);
    const txid = await eth.send('ETH-1-aaaaaa', to);

    expect(await nonceOf(pool.address)).toBe(nonceBefore + 1); // one transaction
    for (const r of to) expect(await balance(r.account)).toBe(r.amount);
    const tx = await node.provider.getTransaction(txid);
    expect(tx!.to).toBe(batch.address);
    expect(tx!.value).toBe(parseEther('1.5') + 123_456_789_012_345_678n + 1n);

    expect(await eth.findPayout('ETH-1-aaaaaa')).toEqual([{ txid, outputs: to }]);
    expect(await eth.findPayout('ETH-1-unknown')).toEqual([]);
  });

  it('pays three recipients a USDT-like token in one transaction after a one-time approve', async () => {
    const usdt = sender({ token });
    const poolBefore = await tokenBalance(pool.address);
    expect(await usdt.spendable()).toBe(poolBefore);

    const first = recipients([5_000_000n, 12_345_678n, 1n]);
    const nonceBefore = await nonceOf(pool.address);
    const txid = await usdt.send('USDT-1-bbbbbb', first);
    expect(await nonceOf(pool.address)).toBe(nonceBefore + 2); // approve, then the payout
    const allowance = await node.provider.call({
      to: token,
      data: TOKEN.encodeFunctionData('allowance', [pool.address, batch.address]),
    });
    expect(BigInt(allowance)).toBe(MaxUint256);
    for (const r of first) expect(await tokenBalance(r.account)).toBe(r.amount);
    expect(await usdt.findPayout('USDT-1-bbbbbb')).toEqual([{ txid, outputs: first }]);

    const second = recipients([7n, 8n, 9n]);
    const txid2 = await usdt.send('USDT-2-cccccc', second);
    expect(await nonceOf(pool.address)).toBe(nonceBefore + 3); // no second approve
    for (const r of second) expect(await tokenBalance(r.account)).toBe(r.amount);
    expect(await usdt.findPayout('USDT-2-cccccc')).toEqual([{ txid: txid2, outputs: second }]);
    expect(await usdt.spendable()).toBe(poolBefore - 5_000_000n - 12_345_678n - 1n - 24n);
    // The token sender does not see the native payouts, nor the native sender the token ones.
    expect(await sender().findPayout('USDT-1-bbbbbb')).toEqual([]);
  });

  it('confirmations count the blocks from the transaction to the head', async () => {
    const eth = sender();
    const txid = await eth.send('ETH-2-dddddd', recipients([1000n, 2000n, 3000n]));
    expect(await eth.confirmations(txid)).toBe(1);
    await node.mine(1);
    expect(await eth.confirmations(txid)).toBe(2);
    await node.mine(5);
    expect(await eth.confirmations(txid)).toBe(7);
  });

  it('spendable is the native balance minus the gas reserve, never below zero', async () => {
    const owned = await balance(pool.address);
    expect(await sender({ gasReserve: parseEther('1') }).spendable()).toBe(owned - parseEther('1'));
    expect(await sender({ gasReserve: owned + 1n }).spendable()).toBe(0n);
  });

  it('does not take a payout of another wallet with the same id for the pool’s', async () => {
    const other = node.wallet(1);
    const data = BATCH.encodeFunctionData('pay', [payoutIdHash('ETH-3-eeeeee'), ZeroAddress, [other.address], [1n]]);
    // A gas limit of its own: Hardhat's estimate gives up on the contract's gasleft() check (the sender bisects).
    await other.sendTransaction({ to: batch.address, data, value: 1n, gasLimit: 300_000n });
    expect(await sender().findPayout('ETH-3-eeeeee')).toEqual([]);
  });

  it('refuses an address the payouts machine would not recognise when found, before sending anything', async () => {
    const nonceBefore = await nonceOf(pool.address);
    const lower = Wallet.createRandom().address.toLowerCase();
    await expect(sender().send('ETH-4-ffffff', [{ account: lower, amount: 1n }])).rejects.toThrow(
      InvalidEvmRecipientError,
    );
    await expect(sender().send('ETH-4-ffffff', [{ account: 'ltc1qnotevm', amount: 1n }])).rejects.toThrow(
      InvalidEvmRecipientError,
    );
    expect(await nonceOf(pool.address)).toBe(nonceBefore);
  });

  it('pays the others when the token refuses one recipient (blacklisted), and names the skipped one', async () => {
    const usdt = sender({ token, decimals: 6 });
    const to = recipients([4_000_000n, 5_000_000n, 6_000_000n]);
    const blocked = to[1]!;
    await pool.sendTransaction({
      to: token,
      data: TOKEN.encodeFunctionData('addBlackList', [blocked.account]),
      nonce: await node.provider.getTransactionCount(pool.address, 'pending'),
    });
    const poolBefore = await tokenBalance(pool.address);

    const txid = await usdt.send('USDT-4-kkkkkk', to);

    expect((await node.provider.getTransactionReceipt(txid))!.status).toBe(1);
    expect(await tokenBalance(to[0]!.account)).toBe(4_000_000n);
    expect(await tokenBalance(blocked.account)).toBe(0n);
    expect(await tokenBalance(to[2]!.account)).toBe(6_000_000n);
    expect(await tokenBalance(pool.address)).toBe(poolBefore - 10_000_000n); // the skipped amount never left
    expect(await usdt.skipped(txid)).toEqual([
      { ...blocked, reason: `the token refused the transfer in transaction ${txid}` },
    ]);
    // Found by its id with the outputs it was sent for, as the payouts machine planned them.
    expect(await usdt.findPayout('USDT-4-kkkkkk')).toEqual([{ txid, outputs: to }]);
  });

  it('pays the others when contracts refuse the native coin (one burns all its gas), refunding their amounts', async () => {
    const eth = sender({ decimals: 18 });
    const burner = (await deployContract(pool, node.provider, REFUSING_RECIPIENT)).address;
    const [alice, bob] = recipients([parseEther('0.25'), parseEther('0.5')]);
    // The token contract has no receive function: it refuses the coin by reverting.
    const to = [alice!, { account: burner, amount: parseEther('1') }, bob!, { account: token, amount: 7n }];
    const poolBefore = await balance(pool.address);

    const txid = await eth.send('ETH-8-llllll', to);

    const receipt = (await node.provider.getTransactionReceipt(txid))!;
    expect(receipt.status).toBe(1);
    expect(await balance(alice!.account)).toBe(parseEther('0.25'));
    expect(await balance(bob!.account)).toBe(parseEther('0.5'));
    expect(await balance(burner)).toBe(0n);
    expect(await balance(token)).toBe(0n);
    // What the refusers were sent came back in the same transaction: the pool paid the others and the gas only.
    const gas = receipt.gasUsed * receipt.gasPrice;
    expect(await balance(pool.address)).toBe(poolBefore - parseEther('0.75') - gas);
    expect(await eth.skipped(txid)).toEqual([
      {
        account: burner,
        amount: parseEther('1'),
        reason: `the address refused the native coin in transaction ${txid}`,
      },
      { account: token, amount: 7n, reason: `the address refused the native coin in transaction ${txid}` },
    ]);
    expect(await eth.skipped(await eth.send('ETH-9-mmmmmm', recipients([1n])))).toEqual([]);
  });

  it("refuses a token whose decimals() differ from the ledger's before reading or sending anything", async () => {
    const bsc = (await deployContract(pool, node.provider, TEST_TOKEN)).address; // USDT on BNB Chain: 18 decimals
    await pool.sendTransaction({
      to: bsc,
      data: TOKEN.encodeFunctionData('setDecimals', [18]),
      nonce: await node.provider.getTransactionCount(pool.address, 'pending'),
    });
    const nonceBefore = await nonceOf(pool.address);
    const wrong = sender({ token: bsc, decimals: 6 });
    await expect(wrong.check()).rejects.toThrow(EvmDecimalsMismatchError);
    await expect(wrong.check()).rejects.toThrow(`token ${bsc} has 18 decimals but the ledger it pays counts 6`);
    await expect(wrong.spendable()).rejects.toThrow(EvmDecimalsMismatchError);
    await expect(wrong.findPayout('USDT-5-nnnnnn')).rejects.toThrow(EvmDecimalsMismatchError);
    await expect(wrong.send('USDT-5-nnnnnn', recipients([1n]))).rejects.toThrow(EvmDecimalsMismatchError);
    expect(await nonceOf(pool.address)).toBe(nonceBefore); // not even the approve
    await expect(sender({ token, decimals: 6 }).check()).resolves.toBeUndefined();
    await expect(sender({ decimals: 6 }).check()).rejects.toThrow('the native coin has 18 decimals');
  });

  it('a payout the chain refuses as a whole throws PayoutNotSentError and broadcasts nothing', async () => {
    const nonceBefore = await nonceOf(pool.address);
    const tooMuch = (await balance(pool.address)) + 1n;
    await expect(sender().send('ETH-10-oooooo', recipients([tooMuch]))).rejects.toThrow(PayoutNotSentError);
    const held = await tokenBalance(pool.address);
    await expect(sender({ token }).send('USDT-6-pppppp', recipients([held + 1n]))).rejects.toThrow(
      `the pool wallet holds ${held}, needs ${held + 1n}`,
    );
    expect(await nonceOf(pool.address)).toBe(nonceBefore);
  });

  it('spans eth_getLogs ranges: a payout is found whatever the chunk it falls in', async () => {
    const eth = sender({ logRange: 3 });
    const to = recipients([11n, 12n, 13n]);
    await node.mine(4);
    const txid = await eth.send('ETH-5-gggggg', to);
    await node.mine(4);
    expect(await eth.findPayout('ETH-5-gggggg')).toEqual([{ txid, outputs: to }]);
  });

  describe('without automine (transactions wait in the mempool)', () => {
    beforeAll(async () => {
      await node.automine(false);
    });
    afterAll(async () => {
      await node.automine(true);
    });

    it('will not say "not sent" while a wallet transaction is pending; finds the payout once it is mined', async () => {
      const eth = sender();
      const to = recipients([21n, 22n, 23n]);
      const txid = await eth.send('ETH-6-hhhhhh', to);
      expect(await eth.confirmations(txid)).toBe(0);
      await expect(eth.findPayout('ETH-6-hhhhhh')).rejects.toThrow(EvmPayoutUnsettledError);
      await node.mine(1);
      expect(await eth.findPayout('ETH-6-hhhhhh')).toEqual([{ txid, outputs: to }]);
      expect(await eth.confirmations(txid)).toBe(1);
    });

    it('a payout mined but reverted (it paid nobody) has -1 confirmations', async () => {
      const usdt = sender({ token }); // approved by the token test above: nothing but the payout is sent
      const txid = await usdt.send('USDT-3-jjjjjj', recipients([1n, 2n, 3n]));
      // Before it is mined, the token's code vanishes behind its back (a failed transfer would only be skipped).
      const code = await node.provider.getCode(token);
      await node.provider.send('hardhat_setCode', [token, '0x']);
      await node.mine(1);
      expect((await node.provider.getTransactionReceipt(txid))!.status).toBe(0);
      expect(await usdt.confirmations(txid)).toBe(-1);
      expect(await usdt.findPayout('USDT-3-jjjjjj')).toEqual([]);
      await node.provider.send('hardhat_setCode', [token, code]);
    });

    it('a dropped transaction: 0 while its nonce is free, -1 (conflict) once another transaction used it', async () => {
      const eth = sender();
      const to = recipients([31n, 32n, 33n]);
      const nonce = await node.provider.getTransactionCount(pool.address, 'pending');
      const txid = await eth.send('ETH-7-iiiiii', to);
      await node.provider.send('hardhat_dropTransaction', [txid]);
      expect(await eth.confirmations(txid)).toBe(0); // this instance knows its nonce is still free
      expect(await sender().confirmations(txid)).toBe(-1); // another instance only knows it is gone
      await expect(eth.findPayout('ETH-7-iiiiii')).resolves.toEqual([]); // never mined, nothing pending: not sent
      await pool.sendTransaction({ to: pool.address, value: 0n, nonce }); // something else takes its nonce
      await node.mine(1);
      expect(await eth.confirmations(txid)).toBe(-1); // it can never be mined now
      for (const r of to) expect(await balance(r.account)).toBe(0n);
      const again = await eth.send('ETH-7-iiiiii', to);
      await node.mine(1);
      expect(await eth.confirmations(again)).toBe(1);
      expect(await eth.findPayout('ETH-7-iiiiii')).toEqual([{ txid: again, outputs: to }]);
      for (const r of to) expect(await balance(r.account)).toBe(r.amount);
    });
  });
});
