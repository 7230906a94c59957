import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { payments } from 'bitcoinjs-lib';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { blockSortKey } from '../../adapters/aws/share-items.js';
import { ensureTables, type TableNames } from '../../adapters/aws/tables.js';
import { getCoin } from '../../core/coins/index.js';
import { parseConfig } from '../../core/config/load.js';
import type { CoinConfig, PoolConfig } from '../../core/config/schema.js';
import type { Dynamo } from './dynamo.js';

/**
 * Merged mining's money in tests: an LTC + DOGE (mergedWith LTC) regtest config, addresses of both chains, and aux
 * blocks written to the DOGE blocks table as LTC ingest records them (`round: {coin: 'LTC', height}`).
 */

/** An LTC regtest mining address (bech32 rltc1…: never a DOGE address) from a seed byte. */
export function ltcAddress(seed: number): string {
  return payments.p2wpkh({ hash: Buffer.alloc(20, seed), network: getCoin('LTC').networks.regtest![0] }).address!;
}

/** A DOGE regtest address (P2PKH, m…/n…) from a seed byte. */
export function dogeAddress(seed: number): string {
  return payments.p2pkh({ hash: Buffer.alloc(20, seed), network: getCoin('DOGE').networks.regtest![0] }).address!;
}

export const DOGE_POOL = dogeAddress(0xd0);
export const DOGE_FEE = dogeAddress(0xfe);

/** LTC + DOGE merged, DOGE with the given rewards and payouts (each coin's other settings the defaults). */
export function mergedConfig(doge: Partial<Record<keyof CoinConfig, unknown>> = {}): Readonly<PoolConfig> {
  return parseConfig({
    coins: [
      {
        symbol: 'LTC',
        network: 'regtest',
        poolAddress: ltcAddress(0xa0),
        daemons: [{ url: 'http://127.0.0.1:19443', user: 'u', password: 'p' }],
        ports: [{ port: 3333, difficulty: { initial: 0.01, min: 0.001, max: 1000 } }],
        rewards: { scheme: 'PPLNS', feeBasisPoints: 100, feeWallets: [{ address: ltcAddress(0xaf) }] },
      },
      {
        symbol: 'DOGE',
        network: 'regtest',
        mergedWith: 'LTC',
        poolAddress: DOGE_POOL,
        daemons: [{ url: 'http://127.0.0.1:19555', user: 'u', password: 'p' }],
        rewards: { scheme: 'PPLNS', feeBasisPoints: 100, feeWallets: [{ address: DOGE_FEE }] },
        ...doge,
      },
    ],
  });
}

/** Fresh LTC and DOGE tables under a new prefix on the test's dynalite. */
export async function mergedTables(dynamo: Dynamo, prefix: string): Promise<Map<string, TableNames>> {
  return new Map([
    ['LTC', await ensureTables(dynamo.client, prefix, 'LTC')],
    ['DOGE', await ensureTables(dynamo.client, prefix, 'DOGE')],
  ]);
}

/** A DOGE block found by an LTC share at `round` (the LTC height), pending, as LTC ingest writes it. */
export async function putAuxBlock(
  dynamo: Dynamo,
  blocksTable: string,
  block: { height: number; hash: string; reward: string; miner: string; round?: { coin: string; height: number } },
): Promise<void> {
  const { round, ...rest } = block;
  await createDocumentClient(dynamo.client).send(
    new PutCommand({
      TableName: blocksTable,
      Item: {
        pk: 'BLOCK',
        sk: blockSortKey(block.height, block.hash),
        coin: 'DOGE',
        status: 'pending',
        ...rest,
        networkDifficulty: 1,
        submitResult: 'accepted',
        worker: '',
        shareDifficulty: 1,
        actualDifficulty: 1,
        time: 1,
        ...(round ? { round } : {}),
      },
    }),
  );
}
