import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTables, type TableNames } from '../../../adapters/aws/tables.js';
import { publicPool } from '../../../app/stats/public.js';
import { auxAddressMessage } from '../../../core/ledger/aux-address-message.js';
import { mergedConfig } from '../../helpers/aux-money.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { testKey } from '../../helpers/message-signer.js';
import { statsCaller } from '../../helpers/stats-lambda.js';

/**
 * The stats Lambda built from its environment as the CDK app sets it for LTC merged with DOGE: DOGE has blocks and
 * ledger tables only (infra/stacks/aux-coin-stack.ts), so no DOGE route may read a shares or stats table of DOGE.
 */
describe('stats Lambda with a merge-mined coin', () => {
  let dynamo: Dynamo;
  let call: ReturnType<typeof statsCaller>;
  const saved = { ...process.env };
  const miner = testKey('LTC', 'regtest');
  const account = miner.address.p2wpkh;
  const dogeAddress = testKey('DOGE', 'regtest', 4).address.p2pkh;

  beforeAll(async () => {
    dynamo = await startDynamo();
    const ltc = await ensureTables(dynamo.client, 'mm', 'LTC');
    const { blocks, ledger } = await ensureTables(dynamo.client, 'mm', 'DOGE');
    const tables: Record<string, Partial<TableNames>> = { LTC: ltc, DOGE: { blocks, ledger } };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.server.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    call = statsCaller({
      POOL_TABLES_JSON: JSON.stringify(tables),
      POOL_PUBLIC_JSON: JSON.stringify(publicPool(mergedConfig())),
    });
  });
  afterAll(async () => {
    process.env = saved;
    await dynamo.close();
  });

  it('answers the aux coin’s pool, blocks, payments and miner pages from its two tables and its parent’s', async () => {
    const pools = await call('/api/pools');
    expect(pools.status).toBe(200);
    expect(pools.body.coins.map((c: { coin: string; merges: string[] }) => [c.coin, c.merges])).toEqual([
      ['LTC', ['DOGE']],
      ['DOGE', []],
    ]);
    for (const path of [
      '/api/pools/DOGE',
      '/api/pools/DOGE/blocks',
      '/api/pools/DOGE/payments',
      '/api/pools/DOGE/history',
      `/api/pools/DOGE/miners/${account}`,
      `/api/pools/LTC/miners/${account}`,
    ]) {
      expect((await call(path)).status, path).toBe(200);
    }
  });

  it('sets the aux payout address from a signed message (AUXADDR on the DOGE ledger table)', async () => {
    const signedAt = new Date().toISOString();
    const message = auxAddressMessage({
      pool: mergedConfig().pool.name,
      coin: 'DOGE',
      account,
      address: dogeAddress,
      time: signedAt,
    });
    const path = `/api/pools/DOGE/miners/${account}/payout-address`;
    const res = await call(path, 'POST', { address: dogeAddress, signedAt, signature: miner.signBip322(message) });
    expect(res).toMatchObject({ status: 200, body: { address: { address: dogeAddress, source: 'signed' } } });
    expect((await call(path)).body.address).toMatchObject({ address: dogeAddress, source: 'signed' });
    const page = await call(`/api/pools/LTC/miners/${account}`);
    expect(page.body.merged).toEqual([expect.objectContaining({ coin: 'DOGE', address: res.body.address })]);
  });
});
