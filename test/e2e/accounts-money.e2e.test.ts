import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAccountStore } from '../../adapters/aws/dynamo-account-store.js';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { ensureAccountsTable } from '../../adapters/aws/tables.js';
import type { DaemonClient } from '../../adapters/rpc/daemon-client.js';
import { newReferralCode } from '../../core/accounts/tokens.js';
import type { PayoutSettings } from '../../core/accounts/types.js';
import { parseConfig } from '../../core/config/load.js';
import type { LedgerEntry } from '../../core/ledger/entries.js';
import { parseAmount } from '../../core/ledger/payouts.js';
import { referralCredits } from '../../core/rewards/schemes.js';
import { createLogger } from '../../local/logger.js';
import type { MoneyRunner } from '../../local/money.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { LOCAL_TABLE_PREFIX } from '../../local/storage.js';
import { withDevnet } from '../helpers/devnet.js';
import { testPoolConfig } from '../helpers/pool-config.js';
import { TestMiner } from '../helpers/test-miner.js';

const FEE_BASIS_POINTS = 200;
const FEE_SHARE_PERCENT = 50;
const POOL_MINIMUM = 1000n;
const HOUR = 3_600_000;

/**
 * Miner accounts with real money on the LTC devnet (issue 19): account M, referred by account R's code, mines blocks
 * beside a bare-address miner X. R earns its share of the pool fee on M's part of every block as a 'referral' block
 * credit, and M's payout settings decide where and when M is paid: held while a changed payout address cools down,
 * held below M's own threshold, then paid once at the payout address, never at the mining address.
 */
describe('accounts on the devnet: referral credits and payout settings', () => {
  const net = withDevnet();
  let pool: LocalPool;
  let money: MoneyRunner;
  let wallet: DaemonClient;
  let store: DynamoAccountStore;
  /** Mining identities: R's (never mines), M's, and X's (a bare address, no account). */
  let rAddr: string;
  let mAddr: string;
  let xAddr: string;
  /** M's account payout address, another address of the devnet wallet. */
  let payTo: string;
  let fee1: string;
  let fee2: string;
  let ourBlocks: Array<{ hash: string; height: number; reward: bigint }>;
  const received = async (address: string) =>
    parseAmount(await wallet.call<number>('getreceivedbyaddress', [address, 1]));
  const setM = (s: Omit<PayoutSettings, 'payoutAddress' | 'updatedAt'>) =>
    store.putPayoutSettings('acct-m', 'LTC', { ...s, payoutAddress: payTo, updatedAt: Date.now() });

  beforeAll(async () => {
    const devnet = net.get();
    wallet = devnet.minerWallet;
    const address = (label: string) => wallet.getNewAddress(label, 'bech32');
    rAddr = await address('referrer');
    mAddr = await address('referred');
    xAddr = await address('bare');
    payTo = await address('m-payout');
    fee1 = await address('fee1');
    fee2 = await address('fee2');
    const config = parseConfig({
      ...testPoolConfig(devnet, 0.00001, {
        rewards: {
          scheme: 'PPLNS',
          feeBasisPoints: FEE_BASIS_POINTS,
          feeWallets: [
            { address: fee1, weight: 3 },
            { address: fee2, weight: 1 },
          ],
          pplnsWindowFactor: 100_000, // every share of the test is in the window
        },
        payouts: {
          wallet: 'pool',
          minimum: POOL_MINIMUM.toString(),
          maximumThreshold: '100000000000000', // 1,000,000 LTC: room for a threshold above any balance of the test
          maxRecipients: 10,
          intervalSeconds: 3600,
        },
      }),
      accounts: { referrals: { feeSharePercent: FEE_SHARE_PERCENT } },
    });
    pool = await startLocalPool({
      config,
      dataDir: net.dataDir(),
      log: createLogger('e2e-accounts-money', 'silent'),
      moneyTimers: false,
    });
    money = pool.coins.get('LTC')!.money!;
    // The accounts table the pool's money passes read (created by the pool when config.accounts is set).
    store = new DynamoAccountStore(
      createDocumentClient(pool.storage.client),
      await ensureAccountsTable(pool.storage.client, LOCAL_TABLE_PREFIX),
    );
  }, 120_000);

  afterAll(async () => {
    await pool?.stop();
  });

  it("credits R a referral share of the fee on M's part of every block, fixed with the block's split", async () => {
    const now = Date.now();
    const rCode = newReferralCode();
    expect(
      await store.createProfile({ id: 'acct-r', email: 'r@example.com', createdAt: now, referralCode: rCode }),
    ).toBe(true);
    const referredBy = await store.accountByReferralCode(rCode);
    expect(referredBy).toBe('acct-r');
    expect(
      await store.createProfile({
        id: 'acct-m',
        email: 'm@example.com',
        createdAt: now,
        referralCode: newReferralCode(),
        referredBy,
      }),
    ).toBe(true);
    expect(await store.addIdentity('acct-r', { coin: 'LTC', address: rAddr, label: 'r', addedAt: now })).toBe(true);
    expect(await store.addIdentity('acct-m', { coin: 'LTC', address: mAddr, label: 'm', addedAt: now })).toBe(true);

    // M finds blocks; X only submits shares, so both are in every block's PPLNS window and only M is referred.
    const port = pool.coins.get('LTC')!.service.ports[0]!;
    const m = await TestMiner.connect(port, `${mAddr}.rig`);
    const x = await TestMiner.connect(port, `${xAddr}.rig`);
    const found = async () =>
      (await pool.storage.shares.poolStats.listBlocks('LTC', 1000)).filter((b) => b.miner === mAddr);
    for (let i = 0; i < 30 && (await found()).length < 3; i++) {
      await x.submitOne('share');
      await x.submitOne('share');
      await m.submitOne('block');
      await new Promise((r) => setTimeout(r, 100)); // let the next job reach both miners
      await pool.settle();
    }
    m.close();
    x.close();
    await pool.settle();
    const blocks = await pool.storage.shares.poolStats.listBlocks('LTC', 1000);
    expect(blocks.every((b) => b.miner === mAddr)).toBe(true);
    ourBlocks = blocks.map((b) => ({ hash: b.hash, height: b.height, reward: BigInt(b.reward) }));
    expect(ourBlocks.length).toBeGreaterThanOrEqual(3);

    expect((await money.confirm()).immature).toBe(ourBlocks.length); // the split is fixed here, referrals read once
    await net.get().mine(101); // past coinbase maturity
    expect((await money.confirm()).confirmed).toBe(ourBlocks.length);

    const entries = await pool.storage.money.listEntries('LTC');
    const fixed = (hash: string) => entries.filter((e) => e.kind === 'immature' && e.ref === hash);
    const sum = (es: readonly LedgerEntry[]) => es.reduce((s, e) => s + e.amount, 0n);
    let referralTotal = 0n;
    for (const block of ourBlocks) {
      const split = fixed(block.hash);
      const byRole = (role: LedgerEntry['role']) => split.filter((e) => e.role === role);
      // Every unit of the reward is in the split: miners + fees + referrals + bonus + dust = reward.
      expect(sum(split)).toBe(block.reward);
      expect(new Set(byRole('miner').map((e) => e.account))).toEqual(new Set([mAddr, xAddr]));
      // R's credit, recomputed from the recorded miner parts by core/rewards: only M is referred, R is paid at R's
      // identity, and it is a fee share (> 0, below the fee).
      const fee = (block.reward * BigInt(FEE_BASIS_POINTS)) / 10_000n;
      const forMiners = block.reward - fee - sum(byRole('bonus'));
      const expected = referralCredits(
        fee,
        byRole('miner').map((e) => ({ account: e.account, amount: e.amount })),
        forMiners,
        { referrers: new Map([[mAddr, rAddr]]), feeSharePercent: FEE_SHARE_PERCENT },
      );
      expect(expected).toHaveLength(1);
      expect(byRole('referral').map((e) => ({ account: e.account, amount: e.amount }))).toEqual(expected);
      const referral = expected[0]!.amount;
      // The same by hand: fee x M's part of the miners' whole x the share, floored.
      const mPart = byRole('miner').find((e) => e.account === mAddr)!.amount;
      expect(referral).toBe((fee * mPart * BigInt(FEE_SHARE_PERCENT)) / (forMiners * 100n));
      expect(referral).toBeGreaterThan(0n);
      expect(referral).toBeLessThan(fee);
      referralTotal += referral;
      // The fee wallets share the fee minus the referral; its flooring remainder (under one unit per wallet) is dust.
      const feesPaid = sum(byRole('fee'));
      expect(new Set(byRole('fee').map((e) => e.account))).toEqual(new Set([fee1, fee2]));
      expect(fee - referral - feesPaid).toBeGreaterThanOrEqual(0n);
      expect(fee - referral - feesPaid).toBeLessThan(2n);
      expect(fee - referral - feesPaid).toBeLessThanOrEqual(sum(byRole('dust')));
    }

    const balances = await money.balances();
    expect(balances.get(rAddr)).toMatchObject({ immature: 0n, confirmed: referralTotal });
    const credited = [...balances.values()].reduce((s, b) => s + b.confirmed, 0n);
    expect(credited).toBe(ourBlocks.reduce((s, b) => s + b.reward, 0n));
    expect(await money.audit()).toMatchObject({ ok: true });
    expect((await money.confirm()).confirmed).toBe(0); // credited once
    expect(sum((await pool.storage.money.listEntries('LTC')).filter((e) => e.role === 'referral'))).toBe(
      2n * referralTotal, // one immature and one mature entry per credit, nothing more
    );
  }, 240_000);

  it("holds M's payouts while its new payout address cools down, and pays everyone else", async () => {
    const before = await money.balances();
    const mBalance = before.get(mAddr)!.confirmed;
    expect(mBalance).toBeGreaterThan(POOL_MINIMUM);
    await setM({ threshold: POOL_MINIMUM, holdUntil: Date.now() + 24 * HOUR });

    const plan = await money.payouts({ dryRun: true });
    expect(plan.status).toBe('dry-run');
    const planned = (plan as { recipients: Array<{ account: string }> }).recipients.map((r) => r.account);
    expect(new Set(planned)).toEqual(new Set([rAddr, xAddr, fee1, fee2]));

    expect((await money.payouts()).status).toBe('progressed');
    await net.get().mine(1);
    expect(await money.payouts()).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });

    const after = await money.balances();
    expect(after.get(mAddr)).toEqual(before.get(mAddr)); // not paid, nothing reserved
    expect(await received(payTo)).toBe(0n);
    expect(await received(mAddr)).toBe(0n);
    for (const account of [rAddr, xAddr, fee1, fee2]) {
      const owed = before.get(account)!.confirmed;
      expect(owed).toBeGreaterThan(0n);
      expect(after.get(account)).toMatchObject({ confirmed: 0n, pending: 0n, paid: owed });
      expect(await received(account)).toBe(owed);
    }
    expect(await money.payouts()).toEqual({ status: 'idle' });
  }, 120_000);

  it('pays M once at its payout address when the cool-down is over, never below its own threshold', async () => {
    const mBalance = (await money.balances()).get(mAddr)!.confirmed;
    // Above the balance: not paid, though the pool's minimum would pay it.
    await setM({ threshold: mBalance + 1n, holdUntil: Date.now() - 1 });
    expect(await money.payouts()).toEqual({ status: 'idle' });
    expect((await money.balances()).get(mAddr)!.confirmed).toBe(mBalance);

    await setM({ threshold: mBalance, holdUntil: Date.now() - 1 });
    const sent = await money.payouts();
    expect(sent.status).toBe('progressed');
    await net.get().mine(1);
    const done = await money.payouts();
    expect(done).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
    const txid = (done as { payouts: Array<{ txid: string }> }).payouts[0]!.txid;

    // The transaction's outputs, read from the chain: M's balance went to the payout address, nothing to M's mining
    // address (the one output beside it is the pool wallet's change).
    const tx = await wallet.call<{ hex: string }>('gettransaction', [txid]);
    const decoded = await wallet.call<{
      vout: Array<{ value: number; scriptPubKey: { address?: string; addresses?: string[] } }>;
    }>('decoderawtransaction', [tx.hex]);
    const outputs = decoded.vout.map((o) => ({
      address: o.scriptPubKey.address ?? o.scriptPubKey.addresses?.[0],
      amount: parseAmount(o.value),
    }));
    expect(outputs.filter((o) => o.address === payTo)).toEqual([{ address: payTo, amount: mBalance }]);
    expect(outputs.some((o) => o.address === mAddr)).toBe(false);

    expect(await money.payouts()).toEqual({ status: 'idle' }); // paid once
    expect((await money.balances()).get(mAddr)).toMatchObject({ confirmed: 0n, pending: 0n, paid: mBalance });
    expect(await received(payTo)).toBe(mBalance);
    expect(await received(mAddr)).toBe(0n);
    expect(await money.audit()).toMatchObject({ ok: true });
  }, 120_000);
});
