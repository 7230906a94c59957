import { payments } from 'bitcoinjs-lib';
import { type HDNodeWallet, Interface, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployContract } from '../../adapters/evm/evm-payout-sender.js';
import { PAYOUT_BATCH } from '../../adapters/evm/payout-batch.generated.js';
import { getCoin } from '../../core/coins/index.js';
import { type ConversionRecord, settle, settlementEntries } from '../../core/conversion/record.js';
import { entryId } from '../../core/ledger/ledger.js';
import type { MoneyRunner } from '../../local/money.js';
import { type LocalStorage, startLocalStorage } from '../../local/storage.js';
import { TEST_TOKEN } from '../fixtures/evm/test-token.generated.js';
import { type HardhatNode, startHardhat } from '../helpers/hardhat.js';
import { startConvertingMoney } from '../helpers/target-money.js';

const NOW = 1_700_000_000_000;
const TOKEN = new Interface(TEST_TOKEN.abi);
const LTC_POOL = payments.p2wpkh({ hash: Buffer.alloc(20, 7), network: getCoin('LTC').networks.regtest![0] }).address!;

/**
 * A conversion target's payouts in local mode: LTC converts to USDT, the USDT target has an `evm` payouts block (the
 * Hardhat test token and PayoutBatch contract), and `money.targets.get('USDT')` runs the coin's payouts machine on the
 * USDT ledger (dynalite): the miners credited by a conversion are paid once, on chain, and the ledger audits.
 */
describe('local mode: payouts of a conversion target (USDT on an EVM chain)', () => {
  let node: HardhatNode;
  let storage: LocalStorage;
  let money: MoneyRunner;
  let pool: HDNodeWallet;
  let token: string;
  let feeWallet: string;

  const tokenBalance = async (account: string) =>
    BigInt(await node.provider.call({ to: token, data: TOKEN.encodeFunctionData('balanceOf', [account]) }));

  beforeAll(async () => {
    [node, storage] = await Promise.all([startHardhat(), startLocalStorage({ coins: ['LTC', 'USDT'] })]);
    pool = node.wallet(0);
    feeWallet = node.wallet(1).address;
    token = (await deployContract(pool, node.provider, TEST_TOKEN)).address;
    const batch = await deployContract(pool, node.provider, PAYOUT_BATCH);
    await pool.sendTransaction({
      to: token,
      data: TOKEN.encodeFunctionData('mint', [pool.address, 10n ** 12n]),
      nonce: await node.provider.getTransactionCount(pool.address, 'pending'),
    });
    money = startConvertingMoney(storage, {
      poolAddress: LTC_POOL,
      daemons: [{ url: 'http://127.0.0.1:1', user: 'u', password: 'p' }], // never called here
      target: {
        currency: 'USDT',
        wallet: pool.address,
        feeWallets: [{ address: feeWallet }],
        payouts: {
          kind: 'evm',
          rpcUrl: node.url,
          token,
          contract: batch.address,
          deploymentBlock: batch.block,
          privateKey: pool.privateKey,
          minimum: '1000',
          maxRecipients: 50,
          intervalSeconds: 3600,
        },
      },
    });
  }, 60_000);
  afterAll(async () => {
    money?.stop();
    await Promise.all([node?.stop(), storage?.close()]);
  });

  /** A credited LTC → USDT conversion of two miners: its record, and its convert-in entries in the USDT ledger. */
  async function convert(): Promise<Map<string, bigint>> {
    const [alice, bob] = [Wallet.createRandom().address, Wallet.createRandom().address];
    const record: ConversionRecord = {
      id: 'conv-LTC-USDT-1',
      source: 'LTC',
      target: 'USDT',
      market: 'LTC/USDT',
      status: 'credited',
      shares: [
        { account: 'ltc-alice', targetAccount: alice, amount: 300_000_000n },
        { account: 'ltc-bob', targetAccount: bob, amount: 100_000_000n },
      ],
      amount: 400_000_000n,
      legs: [
        {
          exchange: 'binance',
          amount: 400_000_000n,
          limitPriceText: '80',
          clientOrderId: 'c-0',
          expectedNet: 319_000_000n,
          withdrawalFee: 1_000_000n,
          takerFeeBps: 10,
        },
      ],
      referenceNet: 319_000_000n, // no gain over the best single exchange: no pool fee
      fills: [{ exchange: 'binance', clientOrderId: 'c-0', sold: 400_000_000n, gross: 320_123_457n, fee: 320_124n }],
      createdAt: NOW,
      updatedAt: NOW,
    };
    expect(await storage.conversions.createConversion('LTC', record)).toBe(true);
    const settlement = settle(record, 2_000, [{ address: feeWallet, weight: 1 }]);
    const { target } = settlementEntries(record, settlement, NOW);
    await storage.money.putEntries('USDT', target);
    return new Map(target.map((e) => [e.account, e.amount]));
  }

  it('pays both converted miners once, to the token unit, and the USDT ledger audits', async () => {
    const credited = await convert();
    const miners = [...credited].filter(([account]) => account !== feeWallet);
    expect(miners).toHaveLength(2);
    expect(miners.every(([, amount]) => amount > 1000n)).toBe(true);
    const usdt = money.targets.get('USDT')!;
    expect(await usdt.audit()).toMatchObject({ ok: true });

    const first = await usdt.payouts();
    expect(first).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
    expect(await usdt.payouts()).toEqual({ status: 'idle' }); // the second pass pays nobody again

    const balances = await usdt.balances();
    for (const [account, amount] of miners) {
      expect(await tokenBalance(account)).toBe(amount);
      expect(balances.get(account)).toEqual({ immature: 0n, confirmed: 0n, pending: 0n, paid: amount });
    }
    // The pool's fee (a rounding unit here) is below the minimum: it waits in the ledger, unpaid.
    expect(balances.get(feeWallet)).toMatchObject({ confirmed: credited.get(feeWallet), paid: 0n });
    const payouts = await storage.money.listPayouts('USDT');
    expect(payouts).toHaveLength(1);
    expect(payouts[0]).toMatchObject({ status: 'confirmed', total: miners.reduce((s, [, a]) => s + a, 0n) });
    expect(await usdt.audit()).toMatchObject({ ok: true });

    // The audit holds the ledger to the conversion records: a convert-in no conversion made is caught.
    const stranger = Wallet.createRandom().address;
    const ref = 'conv-LTC-USDT-1';
    await storage.money.putEntries('USDT', [
      {
        id: entryId('convert-in', ref, 'miner', stranger),
        account: stranger,
        kind: 'convert-in',
        role: 'miner',
        amount: 5n,
        ref,
        time: NOW,
      },
    ]);
    expect(await usdt.audit()).toMatchObject({ ok: false });
  });
});
