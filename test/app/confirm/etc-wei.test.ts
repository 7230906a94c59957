import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { confirmBlocks } from '../../../app/confirm/confirm.js';
import { creditPps } from '../../../app/confirm/pps.js';
import { ETC_CHAINS } from '../../../core/coins/ethash-chains.js';
import { getCoin } from '../../../core/coins/index.js';
import { balancesFromEntries } from '../../../core/ledger/ledger.js';
import type { BlockSighting, ChainReader } from '../../../core/ports/chain-reader.js';
import { weightOf } from '../../../core/rewards/allocate.js';
import { rewardsConfigSchema } from '../../../core/rewards/config.js';
import { blockIncome } from '../../../core/rewards/ecip1017.js';
import { potCredits, potShareCredit } from '../../../core/rewards/pot.js';
import { ingestBatch } from '../../../core/shares/ingest-batch.js';
import type { Share, ShareBatch } from '../../../core/shares/share.js';
import { auditCoin } from '../../../local/audit.js';
import { type Dynamo, silentLog, startDynamo } from '../../helpers/dynamo.js';

const ETC = getCoin('ETC');
const ERA_ROUNDS = ETC_CHAINS.mainnet.eraRounds;
/** Era 3 (zero-indexed): 2.56 ETC a block. */
const HEIGHT = 15_000_100;
/** ETC's network difficulty is in hashes (no stratum multiplier): about 2.5 PH on mainnet. */
const NET = 2.5e15;
/** The block included 2 uncles and its 3 transactions paid 21,000 gas at 1.000000007 gwei: fees to the last wei. */
const FEES = 3n * 21_000n * 1_000_000_007n;
const REWARD = blockIncome(HEIGHT, ERA_ROUNDS, 2, FEES);
const FEE_WALLET = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const MINERS = [
  '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
  '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
  '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
] as const;
/** A GPU's share difficulty (4 GH), a big rig's, and a small one's (777 MH), in hashes. */
const WORK: Array<[string, number, number]> = [
  [MINERS[0], 4e9, 12],
  [MINERS[1], 1.3e10, 5],
  [MINERS[2], 7.77e8, 31],
];

/** The chain as the ETC reader reports it (its own tests cover reading a node): the block at HEIGHT is the pool's. */
class EtcChain implements ChainReader {
  tip = HEIGHT + 10;
  async getBlockCount() {
    return this.tip;
  }
  async locate(block: { height: number }, tip: number): Promise<BlockSighting> {
    return { place: 'chain', confirmations: tip - block.height + 1, reward: REWARD };
  }
  async blockValue() {
    return { value: REWARD, difficulty: NET };
  }
}

function batch(id: string, block?: Share['block']): ShareBatch {
  const shares = WORK.flatMap(([miner, difficulty, count]) =>
    Array.from(
      { length: count },
      (_, i): Share => ({
        coin: 'ETC',
        miner,
        worker: 'rig',
        height: HEIGHT,
        difficulty,
        // Some shares far above their difficulty (PoT pays them more), capped at 2 × NET.
        actualDifficulty: difficulty * (i % 4 === 0 ? 1e6 : 1 + i),
        networkDifficulty: NET,
        timestamp: 1000 + i,
      }),
    ),
  );
  if (block) shares[shares.length - 1] = { ...shares.at(-1)!, block };
  return { v: 1, batchId: id, coin: 'ETC', shares };
}

/**
 * An ETC ledger in wei (18 decimals), through ingest and the confirmation passes on dynalite: a PPLNS block of the
 * ECIP-1017 era-3 reward with uncle inclusions and fees splits to the last wei (miners + fees + dust = reward), and
 * PoT credits each share from the block value with ETC's network difficulty, exactly as core/rewards computes it.
 */
describe('ETC rewards in wei', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  async function ledger(scheme: 'PPLNS' | 'POT' | 'PPS') {
    const store = await dynamo.freshStore('ETC');
    const names = dynamo.lastTables!;
    const money = new DynamoMoneyStore(createDocumentClient(dynamo.client), () => names);
    const rewards = rewardsConfigSchema.parse({
      scheme,
      feeBasisPoints: 150,
      feeWallets: [{ address: FEE_WALLET }],
      ...(scheme === 'POT' ? { pot: { a: 0.8, cap: 2 } } : {}),
    });
    const credit = scheme === 'POT' ? potShareCredit(rewards.pot!) : undefined;
    return { store, money, rewards, opts: { claim: 'c', now: () => 1, leaseMs: 1000, ...(credit && { credit }) } };
  }

  it('PPLNS: a block of 2.56 ETC + 2 uncle inclusions + fees is credited to the wei, nothing made or lost', async () => {
    expect(REWARD).toBe(2_720_063_000_000_441_000n); // 2.56 + 2 × 0.08 + 0.000063000000441 ETC
    const { store, money, rewards, opts } = await ledger('PPLNS');
    const block = {
      height: HEIGHT,
      hash: 'ab'.repeat(32),
      reward: REWARD.toString(),
      networkDifficulty: NET,
      submitResult: 'accepted' as const,
    };
    await ingestBatch(store.ingest, batch('b1', block), opts);
    const chain = new EtcChain();
    const deps = { coin: ETC, rewards, shares: store.rounds, money, chain, log: silentLog, now: () => 1 };
    await confirmBlocks(deps);
    chain.tip = HEIGHT + ETC.coinbaseMaturity;
    await confirmBlocks(deps);

    const balances = balancesFromEntries(await money.listEntries('ETC'));
    const fee = (REWARD * 150n) / 10_000n;
    const weights = WORK.map(([, d, n]) => weightOf(d) * BigInt(n));
    const all = weights.reduce((s, w) => s + w, 0n);
    let credited = 0n;
    for (const [i, [miner]] of WORK.entries()) {
      // Independently: the miner's share of the reward after the fee, floored to the wei.
      const expected = ((REWARD - fee) * weights[i]!) / all;
      expect(balances.get(miner)).toEqual({ immature: 0n, confirmed: expected, pending: 0n, paid: 0n });
      credited += expected;
    }
    const toFeeWallet = balances.get(FEE_WALLET)!.confirmed; // the fee and the flooring dust
    expect(toFeeWallet - fee).toBeGreaterThanOrEqual(0n);
    expect(toFeeWallet - fee).toBeLessThan(BigInt(WORK.length));
    expect(credited + toFeeWallet).toBe(REWARD);
    expect(await auditCoin(money, 'ETC')).toMatchObject({ ok: true });
  });

  /** Ingest (twice: a redelivery counts once) and the PPS/PoT crediting pass; each miner's credit and the report. */
  async function credited(scheme: 'PPS' | 'POT') {
    const { store, money, rewards, opts } = await ledger(scheme);
    await ingestBatch(store.ingest, batch('p1'), opts);
    await ingestBatch(store.ingest, batch('p1'), opts);
    const report = await creditPps({
      coin: ETC,
      rewards,
      shares: store.rounds,
      money,
      chain: new EtcChain(),
      now: () => 5,
      startHeight: HEIGHT,
    });
    const balances = balancesFromEntries(await money.listEntries('ETC'));
    const total = MINERS.reduce((s, m) => s + balances.get(m)!.confirmed, 0n);
    expect(report.credited).toBe(total);
    expect([...balances.keys()].sort()).toEqual([...MINERS].sort()); // per share, to miners only (no block yet)
    return { rewards, balances };
  }

  it('PPS: each miner credited block value × its work / network difficulty, less the fee, to the wei', async () => {
    const { balances } = await credited('PPS');
    for (const [miner, d, n] of WORK) {
      const expected = (REWARD * weightOf(d) * BigInt(n) * 9_850n) / (weightOf(NET) * 10_000n);
      expect(balances.get(miner)!.confirmed).toBe(expected);
      expect(expected).toBeGreaterThan(10n ** 9n); // far below one ETC, still whole wei
    }
  });

  it('PoT: each share credited from the block value at its job height as potCredits computes it', async () => {
    const { rewards, balances } = await credited('POT');
    const expected = potCredits(
      { height: HEIGHT, shares: batch('x').shares },
      { height: HEIGHT, blockValue: REWARD, networkDifficulty: NET },
      rewards,
    );
    expect(expected.map((c) => c.account).sort()).toEqual([...MINERS].sort());
    for (const { account, amount } of expected) {
      // Ingest sums each share's effective difficulty (a float: PoT needs real powers) per minute and miner, not in
      // potCredits' order: the same credit up to the float sum's last bits, 1e-12 of it at most.
      const got = balances.get(account)!.confirmed;
      const off = got > amount ? got - amount : amount - got;
      expect(off * 10n ** 12n).toBeLessThanOrEqual(amount);
      // The lucky shares (10^6 × their difficulty, capped at 2 × NET) pay more than PPS would.
      const [, d, n] = WORK.find(([m]) => m === account)!;
      expect(got).toBeGreaterThan((REWARD * weightOf(d) * BigInt(n) * 9_850n) / (weightOf(NET) * 10_000n));
    }
  });
});
