import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { BitcoinChainReader } from '../../../adapters/rpc/bitcoin-chain-reader.js';
import { creditPps } from '../../../app/confirm/pps.js';
import { getCoin } from '../../../core/coins/index.js';
import { balancesFromEntries } from '../../../core/ledger/ledger.js';
import { rewardsConfigSchema } from '../../../core/rewards/config.js';
import { potCredits, potShareCredit } from '../../../core/rewards/pot.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import type { Share } from '../../../core/shares/share.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';

const LTC = getCoin('LTC');
const NET = 65536; // chain difficulty 1 in scrypt stratum units
const pot = { a: 0.8, cap: 2 };
const rewards = (scheme: 'POT' | 'PPS', a = pot.a) =>
  rewardsConfigSchema.parse({ scheme, pot: { ...pot, a }, feeBasisPoints: 100, feeWallets: [{ address: 'fee' }] });
// Every block worth 10 LTC at difficulty 1.
const chain = new BitcoinChainReader(
  {
    getBlockCount: async () => 102,
    getBlockHash: async (h: number) => `hash${h}`,
    getBlock: async <T>() => ({ difficulty: 1, tx: [{ vout: [{ value: 10, scriptPubKey: {} }] }] }) as T,
  },
  'pool',
  8,
);

const share = (miner: string, difficulty: number, actualDifficulty: number): Share => ({
  coin: 'LTC',
  miner,
  worker: 'w',
  height: 100,
  difficulty,
  actualDifficulty,
  networkDifficulty: NET,
  timestamp: 1,
});
// alice: many ordinary shares; bob: fewer shares, one of which reached 50× its difficulty (capped at 2 × NET).
const shares = [
  ...Array.from({ length: 40 }, (_, i) => share('alice', 1024, 1024 * (1 + (i % 3)))),
  ...Array.from({ length: 9 }, () => share('bob', 1024, 1100)),
  share('bob', 1024, 1024 * 50),
  share('bob', 4096, NET * 10),
];

describe('PoT end to end through ingest and the crediting pass (dynalite)', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  const run = async (cfg: ReturnType<typeof rewards>) => {
    const store = await dynamo.freshStore();
    const names = dynamo.lastTables!;
    const money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => names);
    const credit = cfg.scheme === 'POT' ? potShareCredit(cfg.pot!) : undefined;
    const opts = { claim: 'c', now: () => 1, leaseMs: 1000, ...(credit && { credit }) };
    const batch = (id: string, s: Share[]) => ({ v: 1 as const, batchId: id, coin: 'LTC', shares: s });
    await ingestBatch(store.ingest, batch('b1', shares.slice(0, 25)), opts);
    await ingestBatch(store.ingest, batch('b2', shares.slice(25)), opts);
    await ingestBatch(store.ingest, batch('b2', shares.slice(25)), opts); // redelivered: counted once
    const report = await creditPps({
      coin: LTC,
      rewards: cfg,
      shares: store.rounds,
      money,
      chain,
      now: () => 5,
      startHeight: 100,
    });
    const balances = balancesFromEntries(await money.listEntries('LTC'));
    return { report, alice: balances.get('alice')!.confirmed, bob: balances.get('bob')!.confirmed };
  };

  it('credits what potCredits computes share by share, to the unit, and the lucky miner more than under PPS', async () => {
    const got = await run(rewards('POT'));
    const expected = potCredits(
      { height: 100, shares },
      { height: 100, blockValue: 1_000_000_000n, networkDifficulty: NET },
      rewards('POT'),
    );
    const want = Object.fromEntries(expected.map((c) => [c.account, c.amount]));
    // Summing effective difficulties in storage and weighing the sums differs from weighing each share by flooring
    // only: at most one base unit per share.
    expect(got.alice - want.alice!).toBeLessThanOrEqual(BigInt(shares.length));
    expect(want.alice! - got.alice).toBeLessThanOrEqual(BigInt(shares.length));
    expect(got.bob - want.bob!).toBeLessThanOrEqual(BigInt(shares.length));
    expect(want.bob! - got.bob).toBeLessThanOrEqual(BigInt(shares.length));
    const pps = await run(rewards('PPS'));
    expect(got.bob).toBeGreaterThan(pps.bob); // bob's lucky shares pay
    expect(got.alice).toBeLessThan(pps.alice); // alice's ordinary ones pay a little less than PPS
    console.log(
      `PoT a=${pot.a} cap=${pot.cap}: alice ${got.alice} (PPS ${pps.alice}), bob ${got.bob} (PPS ${pps.bob}) litoshi`,
    );
  });

  it('with a = 0 pays exactly what PPS pays', async () => {
    const flat = await run(rewards('POT', 0));
    const pps = await run(rewards('PPS'));
    expect(flat.alice).toBe(pps.alice);
    expect(flat.bob).toBe(pps.bob);
    expect(flat.report).toEqual(pps.report);
  });
});
