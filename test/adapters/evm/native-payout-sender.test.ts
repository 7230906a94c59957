import { type HDNodeWallet, Transaction, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployContract } from '../../../adapters/evm/evm-payout-sender.js';
import { type NativePayoutOptions, NativePayoutSender } from '../../../adapters/evm/native-payout-sender.js';
import { PAYOUT_BATCH } from '../../../adapters/evm/payout-batch.generated.js';
import { PayoutConflictError, PayoutNotSentError } from '../../../core/ports/payout-sender.js';
import { TEST_TOKEN } from '../../fixtures/evm/test-token.generated.js';
import { type HardhatNode, startHardhat } from '../../helpers/hardhat.js';

const GWEI = 10n ** 9n;

/**
 * The signed-first native payout sender (ETC) on a Hardhat node: what it signs (chain id, nonce, gas price, the
 * PayoutBatch call with exact wei), what it refuses before signing, and how a broadcast of the same bytes, or of
 * bytes whose nonce another transaction took, is answered.
 */
describe('NativePayoutSender', () => {
  let node: HardhatNode;
  let pool: HDNodeWallet;
  let batch: string;

  const sender = (over: Partial<NativePayoutOptions> = {}) =>
    new NativePayoutSender({
      signer: pool,
      rpc: node.provider,
      chainId: 31337,
      batch,
      maxGasPrice: 1_000n * GWEI,
      ...over,
    });
  const balance = async (a: string) => BigInt(await node.provider.send('eth_getBalance', [a, 'latest']));
  const nonce = (tag: 'latest' | 'pending') => node.provider.getTransactionCount(pool.address, tag);

  beforeAll(async () => {
    node = await startHardhat();
    pool = node.wallet(0);
    batch = (await deployContract(pool, node.provider, PAYOUT_BATCH)).address;
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('signs a legacy EIP-155 transaction for the chain, at the pending nonce, paying each recipient its exact wei', async () => {
    const to = [Wallet.createRandom().address, Wallet.createRandom().address];
    const amounts = [1_234_567_890_123_456_789n, 1n];
    const s = sender();
    const signed = await s.prepare('ETC-1', [
      { account: to[0]!, amount: amounts[0]! },
      { account: to[1]!, amount: amounts[1]! },
    ]);
    const tx = Transaction.from(signed.raw);
    expect(tx.hash).toBe(signed.txid);
    expect(tx.type).toBe(0);
    expect(tx.chainId).toBe(31337n);
    expect(tx.from).toBe(pool.address);
    expect(tx.nonce).toBe(await nonce('pending'));
    expect(tx.gasPrice).toBe(BigInt(await node.provider.send('eth_gasPrice', [])));
    expect(tx.value).toBe(amounts[0]! + amounts[1]!);
    expect(await nonce('pending')).toBe(tx.nonce); // prepared, not sent

    expect(await s.broadcast(signed)).toBe(signed.txid);
    expect(await s.confirmations(signed.txid)).toBe(1);
    expect(await balance(to[0]!)).toBe(amounts[0]);
    expect(await balance(to[1]!)).toBe(amounts[1]);
    expect(await s.skipped(signed.txid)).toEqual([]);
    // The same bytes again (a pass that crashed after broadcasting): the mined transaction, nothing new.
    const before = await nonce('latest');
    expect(await s.broadcast(signed)).toBe(signed.txid);
    expect(await nonce('latest')).toBe(before);
    expect(await balance(to[0]!)).toBe(amounts[0]);
  });

  it('the same bytes sent while still in the mempool are a success, and are mined once', async () => {
    const to = Wallet.createRandom().address;
    const s = sender();
    const signed = await s.prepare('ETC-2', [{ account: to, amount: 5n * 10n ** 17n }]);
    await node.automine(false);
    try {
      expect(await s.broadcast(signed)).toBe(signed.txid);
      expect(await s.confirmations(signed.txid)).toBe(0);
      expect(await s.broadcast(signed)).toBe(signed.txid); // "known transaction"
      await node.mine(1);
    } finally {
      await node.automine(true);
    }
    expect(await s.confirmations(signed.txid)).toBe(1);
    expect(await balance(to)).toBe(5n * 10n ** 17n);
  });

  it('another transaction that took the recorded nonce is a conflict, and nothing is paid', async () => {
    const to = Wallet.createRandom().address;
    const s = sender();
    const signed = await s.prepare('ETC-3', [{ account: to, amount: 10n ** 18n }]);
    // Something else signs with the pool's key meanwhile (an operator's manual transfer).
    await (await pool.sendTransaction({ to: pool.address, value: 1n, nonce: await nonce('pending') })).wait();
    await expect(s.broadcast(signed)).rejects.toBeInstanceOf(PayoutConflictError);
    expect(await balance(to)).toBe(0n);
  });

  it('refuses before signing when the node gas price is above the cap', async () => {
    const gasPrice = BigInt(await node.provider.send('eth_gasPrice', []));
    const s = sender({ maxGasPrice: gasPrice - 1n });
    const before = await nonce('pending');
    await expect(s.prepare('ETC-4', [{ account: Wallet.createRandom().address, amount: 1n }])).rejects.toThrow(
      PayoutNotSentError,
    );
    await expect(s.prepare('ETC-4', [{ account: Wallet.createRandom().address, amount: 1n }])).rejects.toThrow(
      /above payouts\.maxGasPrice/,
    );
    expect(await nonce('pending')).toBe(before);
  });

  it('refuses a node on another chain than the one payouts are signed for', async () => {
    const s = sender({ chainId: 61 });
    await expect(s.prepare('ETC-5', [{ account: Wallet.createRandom().address, amount: 1n }])).rejects.toThrow(
      /the node is on chain 31337, payouts are signed for chain 61/,
    );
  });

  it('refuses a contract address that does not hold PayoutBatch, or holds nothing', async () => {
    const token = (await deployContract(pool, node.provider, TEST_TOKEN)).address;
    for (const address of [token, Wallet.createRandom().address]) {
      await expect(
        sender({ batch: address }).prepare('ETC-6', [{ account: Wallet.createRandom().address, amount: 1n }]),
      ).rejects.toThrow(/is not the PayoutBatch contract/);
    }
  });

  it('refuses a payout the pool cannot cover with its gas, and a recipient not in EIP-55 spelling', async () => {
    const poor = Wallet.createRandom().connect(node.provider);
    await (await pool.sendTransaction({ to: poor.address, value: 10n ** 16n, nonce: await nonce('pending') })).wait();
    const s = sender({ signer: poor });
    await expect(s.prepare('ETC-7', [{ account: Wallet.createRandom().address, amount: 10n ** 16n }])).rejects.toThrow(
      PayoutNotSentError,
    );
    const lower = Wallet.createRandom().address.toLowerCase();
    await expect(sender().prepare('ETC-8', [{ account: lower, amount: 1n }])).rejects.toThrow(
      /not an EIP-55 checksummed address/,
    );
  });

  it('spendable keeps the gas reserve back', async () => {
    const held = await balance(pool.address);
    expect(await sender({ gasReserve: 10n ** 18n }).spendable()).toBe(held - 10n ** 18n);
    expect(await sender({ gasReserve: held + 1n }).spendable()).toBe(0n);
  });
});
