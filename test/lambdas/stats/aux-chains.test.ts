import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTables, type TableNames } from '../../../adapters/aws/tables.js';
import type { PublicCoin } from '../../../app/stats/public.js';
import { getCoin, isKnownCoin } from '../../../core/coins/registry.js';
import { ConfigError } from '../../../core/errors.js';
import { auxAddressMessage } from '../../../core/ledger/aux-address-message.js';
import { TAUX, tauxAddress } from '../../helpers/aux-chains.js';
import { dogeAddress } from '../../helpers/aux-money.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { testKey } from '../../helpers/message-signer.js';
import { statsCaller } from '../../helpers/stats-lambda.js';

const coin = (symbol: string, mergedWith?: string): PublicCoin => ({
  symbol,
  network: 'regtest',
  scheme: 'PPLNS',
  feeBasisPoints: 100,
  payoutMinimum: null,
  ports: [],
  stratumHost: null,
  ...(mergedWith ? { mergedWith } : {}),
});

/**
 * POOL_PUBLIC_JSON as the CDK app sets it for LTC merging TAUX. Written out here, not made by publicPool(parseConfig
 * (…)): parsing the config would register TAUX in this process, and the test is that the Lambda registers it.
 */
const PUBLIC = { name: 'aux-chains-test', coins: [coin('LTC'), coin('TAUX', 'LTC')] };

/**
 * The stats Lambda reads no pool config: a config-defined aux chain reaches its coin registry through
 * POOL_AUX_CHAINS_JSON (the config's auxChains, set by infra/stacks/api-stack.ts), registered when it starts.
 */
describe('stats Lambda with an aux chain defined in the pool config', () => {
  let dynamo: Dynamo;
  let env: Record<string, string>;
  const saved = { ...process.env };
  const miner = testKey('LTC', 'regtest');
  const account = miner.address.p2wpkh;

  beforeAll(async () => {
    dynamo = await startDynamo();
    const ltc = await ensureTables(dynamo.client, 'ac', 'LTC');
    const { blocks, ledger } = await ensureTables(dynamo.client, 'ac', 'TAUX');
    const tables: Record<string, Partial<TableNames>> = { LTC: ltc, TAUX: { blocks, ledger } };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.server.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    env = { POOL_TABLES_JSON: JSON.stringify(tables), POOL_PUBLIC_JSON: JSON.stringify(PUBLIC) };
  });
  afterAll(async () => {
    process.env = saved;
    await dynamo.close();
  });

  // First: the registry must not know TAUX yet (the later tests register it for the rest of this process).
  it('refuses to start when the public config names a coin no definition gives', async () => {
    expect(isKnownCoin('TAUX')).toBe(false);
    const call = statsCaller(env);
    await expect(call('/api/pools')).rejects.toThrow(/POOL_PUBLIC_JSON names TAUX.*POOL_AUX_CHAINS_JSON/);
    expect(isKnownCoin('TAUX')).toBe(false);
  });

  it('refuses a definition its schema rejects, naming the variable', async () => {
    const bad = { ...TAUX, networks: { regtest: { pubKeyHash: 50, scriptHash: 50 } } };
    const call = statsCaller({ ...env, POOL_AUX_CHAINS_JSON: JSON.stringify([bad]) });
    const err = await call('/api/pools').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/POOL_AUX_CHAINS_JSON.*scriptHash.*must differ/s);
    expect(isKnownCoin('TAUX')).toBe(false);
  });

  describe('with POOL_AUX_CHAINS_JSON', () => {
    let call: ReturnType<typeof statsCaller>;
    beforeAll(() => {
      call = statsCaller({ ...env, POOL_AUX_CHAINS_JSON: JSON.stringify([TAUX]) });
    });

    it("answers the chain's pool, blocks, payments and miner pages", async () => {
      const pools = await call('/api/pools');
      expect(pools.status).toBe(200);
      expect(pools.body.coins.map((c: { coin: string; merges: string[] }) => [c.coin, c.merges])).toEqual([
        ['LTC', ['TAUX']],
        ['TAUX', []],
      ]);
      expect(getCoin('TAUX')).toMatchObject({ decimals: 8, auxpow: { chainId: 63 }, algorithm: 'scrypt' });
      for (const path of [
        '/api/pools/TAUX',
        '/api/pools/TAUX/blocks',
        '/api/pools/TAUX/payments',
        `/api/pools/TAUX/miners/${account}`,
        `/api/pools/TAUX/miners/${account}/payout-address`,
      ]) {
        expect((await call(path)).status, path).toBe(200);
      }
    });

    const post = async (address: string) => {
      const signedAt = new Date().toISOString();
      const message = auxAddressMessage({ pool: PUBLIC.name, coin: 'TAUX', account, address, time: signedAt });
      return call(`/api/pools/TAUX/miners/${account}/payout-address`, 'POST', {
        address,
        signedAt,
        signature: miner.signBip322(message),
      });
    };

    it("sets a TAUX payout address from a signed message, and refuses another chain's address", async () => {
      const doge = await post(dogeAddress(7));
      expect(doge.status).toBe(400);
      expect((await call(`/api/pools/TAUX/miners/${account}/payout-address`)).body.address).toBeNull();
      const taux = tauxAddress(7);
      const res = await post(taux);
      expect(res).toMatchObject({ status: 200, body: { address: { address: taux, source: 'signed' } } });
      const page = await call(`/api/pools/LTC/miners/${account}`);
      expect(page.body.merged).toEqual([expect.objectContaining({ coin: 'TAUX', address: res.body.address })]);
    });
  });
});
