import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import type { TableNames } from '../../../adapters/aws/tables.js';
import type { DaemonClient } from '../../../adapters/rpc/daemon-client.js';
import { WalletPayoutSender } from '../../../adapters/rpc/wallet-payout-sender.js';
import type { AuxPayoutAddresses } from '../../../app/payouts/aux-recipients.js';
import { type PayoutDeps, runPayouts } from '../../../app/payouts/payouts.js';
import { getCoin } from '../../../core/coins/index.js';
import { balancesFromEntries } from '../../../core/ledger/ledger.js';
import { formatAmount } from '../../../core/ledger/payouts.js';
import type { AuxAddressStore, AuxPayoutAddress } from '../../../core/ports/aux-address-store.js';
import { auditCoin } from '../../../local/audit.js';
import { DOGE_FEE, dogeAddress, ltcAddress, mergedTables, putAuxBlock } from '../../helpers/aux-money.js';
import { CoreLikeWallet } from '../../helpers/core-like-wallet.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { maturedCredits } from '../../helpers/matured-credits.js';

const NOW = 1_700_000_000_000;
type Step = NonNullable<Parameters<NonNullable<PayoutDeps['crashAt']>>[0]>;

/** The aux address store (core/ports/aux-address-store.ts) in memory: the payout pass only lists it. */
class MemoryAuxAddresses implements Pick<AuxAddressStore, 'listAuxAddresses'> {
  readonly byAccount = new Map<string, AuxPayoutAddress>();
  set(account: string, address: string) {
    this.byAccount.set(account, { address, source: 'signed', setAt: NOW });
  }
  async listAuxAddresses(coin: string) {
    expect(coin).toBe('DOGE');
    return new Map(this.byAccount);
  }
}

/**
 * Payouts of an aux coin (DOGE merged with LTC): the DOGE ledger's accounts are LTC mining addresses, each paid at
 * the DOGE address its miner gave, exactly once, through the wallet RPC sender; the ledger entries stay on the LTC
 * account.
 */
describe('payouts of an aux coin at the aux addresses', () => {
  let dynamo: Dynamo;
  let money: DynamoMoneyStore;
  let wallet: CoreLikeWallet;
  let addresses: MemoryAuxAddresses;
  let seq = 0;
  const infos: Array<Record<string, unknown>> = [];
  const warns: Array<Record<string, unknown>> = [];
  const alice = ltcAddress(1);
  const bob = ltcAddress(2);
  const carol = ltcAddress(3);

  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });
  beforeEach(async () => {
    tables = await mergedTables(dynamo, `auxpay${seq++}`);
    money = new DynamoMoneyStore(createDocumentClient(dynamo.client), (c) => tables.get(c)!);
    wallet = new CoreLikeWallet();
    addresses = new MemoryAuxAddresses();
    infos.length = 0;
    warns.length = 0;
  });

  const aux = (): AuxPayoutAddresses => ({
    store: addresses,
    coin: getCoin('DOGE'),
    network: 'regtest',
    ownAccounts: new Set([DOGE_FEE]),
  });
  const deps = (crashAt?: PayoutDeps['crashAt']): PayoutDeps => ({
    coin: 'DOGE',
    policy: { minimum: 1_000n, maxRecipients: 50 },
    money,
    sender: new WalletPayoutSender(wallet as unknown as DaemonClient, 8),
    auxAddresses: aux(),
    log: { info: (o) => void infos.push(o as never), warn: (o) => void warns.push(o as never), error() {} },
    now: () => NOW,
    ...(crashAt ? { crashAt } : {}),
  });
  let tables: Map<string, TableNames>;
  let blocks = 0;
  /** A confirmed DOGE block whose split credited these LTC accounts (so that the ledger audits). */
  async function credit(owed: Array<[string, bigint]>) {
    const hash = `d${++blocks}`;
    const reward = owed.reduce((s, [, a]) => s + a, 0n);
    const block = {
      height: 4000 + blocks,
      hash,
      reward: reward.toString(),
      miner: alice,
      round: { coin: 'LTC', height: 700 },
    };
    await putAuxBlock(dynamo, tables.get('DOGE')!.blocks, block);
    const stored = (await money.getBlock('DOGE', block.height, hash))!;
    await money.setBlockCredits(
      'DOGE',
      stored,
      owed.map(([account, amount]) => ({ account, role: 'miner', amount })),
      reward,
    );
    await money.setBlockStatus('DOGE', stored, 'pending', 'confirmed', 240);
    await money.putEntries('DOGE', maturedCredits(new Map(owed), hash, NOW));
  }
  const balances = async () => balancesFromEntries(await money.listEntries('DOGE'));

  it('pays each LTC account at its DOGE address and a fee wallet as itself; one without an address accrues', async () => {
    await credit([
      [alice, 500_000_000n],
      [bob, 300_000_000n],
      [carol, 200_000_000n],
      [DOGE_FEE, 10_000_000n],
    ]);
    addresses.set(alice, dogeAddress(0x11));
    addresses.set(bob, dogeAddress(0x22));
    expect(await runPayouts(deps())).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
    expect(wallet.received()).toEqual(
      new Map([
        [dogeAddress(0x11), 500_000_000n],
        [dogeAddress(0x22), 300_000_000n],
        [DOGE_FEE, 10_000_000n],
      ]),
    );
    const [payout] = await money.listPayouts('DOGE');
    expect(payout!.recipients).toEqual(
      expect.arrayContaining([
        { account: alice, amount: 500_000_000n, address: dogeAddress(0x11) },
        { account: DOGE_FEE, amount: 10_000_000n },
      ]),
    );
    const b = await balances();
    // The ledger debits the LTC accounts, not the DOGE addresses.
    expect(b.get(alice)).toMatchObject({ confirmed: 0n, paid: 500_000_000n });
    expect(b.get(dogeAddress(0x11))).toBeUndefined();
    expect(b.get(carol)).toMatchObject({ confirmed: 200_000_000n, paid: 0n });
    expect(infos).toContainEqual(expect.objectContaining({ coin: 'DOGE', waiting: 1 }));
    expect(await auditCoin(money, 'DOGE')).toMatchObject({ ok: true });

    // carol gives an address: the next pass pays what accrued.
    addresses.set(carol, dogeAddress(0x33));
    await runPayouts(deps());
    expect(wallet.received().get(dogeAddress(0x33))).toBe(200_000_000n);
    expect((await balances()).get(carol)).toMatchObject({ confirmed: 0n, paid: 200_000_000n });
    expect(await auditCoin(money, 'DOGE')).toMatchObject({ ok: true });
  });

  it('pays a planned payout at the address it was planned with, even after the miner changed it', async () => {
    await credit([[alice, 500_000_000n]]);
    addresses.set(alice, dogeAddress(0x11));
    const crash = (s: Step) => {
      if (s === 'after-reserve') throw new Error(`crash ${s}`);
    };
    await expect(runPayouts(deps(crash))).rejects.toThrow('crash after-reserve');
    expect(wallet.sent).toEqual([]);
    addresses.set(alice, dogeAddress(0x44)); // a signed change after the payout was planned
    await runPayouts(deps());
    expect(wallet.received()).toEqual(new Map([[dogeAddress(0x11), 500_000_000n]]));
    // The next payout takes the new address.
    await credit([[alice, 7_000n]]);
    await runPayouts(deps());
    expect(wallet.received().get(dogeAddress(0x44))).toBe(7_000n);
  });

  it('sums two accounts paid at one address into its output, and recognises that output after a crash', async () => {
    await credit([
      [alice, 500_000_000n],
      [bob, 250_000_000n],
    ]);
    const shared = dogeAddress(0x55);
    addresses.set(alice, shared);
    addresses.set(bob, shared);
    const crash = (s: Step) => {
      if (s === 'after-send') throw new Error(`crash ${s}`);
    };
    await expect(runPayouts(deps(crash))).rejects.toThrow('crash after-send');
    expect(wallet.sent[0]!.amounts).toEqual({ [shared]: formatAmount(750_000_000n) });
    // Found by its comment with one output for both: the same payout, not sent again.
    expect(await runPayouts(deps())).toMatchObject({ payouts: [{ status: 'confirmed' }] });
    expect(wallet.sent).toHaveLength(1);
    const b = await balances();
    expect(b.get(alice)).toMatchObject({ paid: 500_000_000n });
    expect(b.get(bob)).toMatchObject({ paid: 250_000_000n });
    expect(await auditCoin(money, 'DOGE')).toMatchObject({ ok: true });
  });

  it('leaves out an account whose stored address is not a DOGE address, and never redirects a fee wallet', async () => {
    await credit([
      [alice, 500_000_000n],
      [DOGE_FEE, 10_000_000n],
    ]);
    addresses.set(alice, ltcAddress(9)); // an LTC address: DOGE cannot pay it
    addresses.set(DOGE_FEE, dogeAddress(0x66)); // a stranger's entry for the fee wallet's account
    await runPayouts(deps());
    expect(wallet.received()).toEqual(new Map([[DOGE_FEE, 10_000_000n]]));
    expect(warns).toContainEqual(expect.objectContaining({ accounts: [alice] }));
    expect((await balances()).get(alice)).toMatchObject({ confirmed: 500_000_000n });
  });
});
