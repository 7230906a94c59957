import type { Context } from 'aws-lambda';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../core/errors.js';
import type { ShareIngestStore } from '../../../core/ports/share-store.js';
import { ingestLambda } from '../../../lambdas/ingest/handler.js';
import { lambdaDeps, poolHandler } from '../../../lambdas/shared/pool-handler.js';
import { sqsEvent } from '../../helpers/dynamo.js';

const context = { awsRequestId: 'req-1' } as Context;

describe('ingest handler', () => {
  it('builds its dependencies on the first invocation, once', async () => {
    const store = {} as ShareIngestStore;
    const makeDeps = vi.fn(() => ({ store, now: () => 0 }));
    const handler = poolHandler(ingestLambda, { deps: makeDeps, log: pino({ level: 'silent' }) });
    expect(makeDeps).not.toHaveBeenCalled();
    const res = await handler(sqsEvent([{ messageId: 'm', body: 'nope' }]), context);
    await handler(sqsEvent([]), context);
    expect(makeDeps).toHaveBeenCalledTimes(1);
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'm' }] });
  });

  it('refuses an environment without its table names, naming what is missing', async () => {
    const err = await lambdaDeps(ingestLambda, { POOL_COIN: 'LTC' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.join('\n')).toMatch(/SHARES_TABLE/);
  });

  it('PoT coins: POOL_POT gives ingest a credit per share; bad POOL_POT is refused by name', async () => {
    const env = { POOL_COIN: 'LTC', SHARES_TABLE: 's', STATS_TABLE: 't', BLOCKS_TABLE: 'b' };
    expect((await lambdaDeps(ingestLambda, env)).credit).toBeUndefined();
    const { credit } = await lambdaDeps(ingestLambda, { ...env, POOL_POT: '{"a":1,"cap":2}' });
    const share = { coin: 'LTC', miner: 'm', worker: '', height: 1, difficulty: 1, timestamp: 0 };
    // a lucky share (reached 100× its difficulty) is worth more than an unlucky one, never less than nothing
    const lucky = credit!({ ...share, actualDifficulty: 100, networkDifficulty: 1000 });
    const plain = credit!({ ...share, actualDifficulty: 1, networkDifficulty: 1000 });
    expect(lucky).toBeGreaterThan(plain);
    expect(plain).toBeGreaterThan(0);
    for (const bad of ['{"a":1}', 'nope', '{"a":1,"cap":2,"x":1}']) {
      const err = await lambdaDeps(ingestLambda, { ...env, POOL_POT: bad }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.join('\n')).toMatch(/POOL_POT/);
    }
  });

  it('claims shares only where POOL_CLAIM_SHARES is "true" (a coin whose shares are not bound to a connection)', async () => {
    const env = { POOL_COIN: 'ETC', SHARES_TABLE: 's', STATS_TABLE: 't', BLOCKS_TABLE: 'b' };
    expect((await lambdaDeps(ingestLambda, env)).claimShares).toBeUndefined();
    expect((await lambdaDeps(ingestLambda, { ...env, POOL_CLAIM_SHARES: 'false' })).claimShares).toBeUndefined();
    expect((await lambdaDeps(ingestLambda, { ...env, POOL_CLAIM_SHARES: 'true' })).claimShares).toBe(true);
    const err = await lambdaDeps(ingestLambda, { ...env, POOL_CLAIM_SHARES: 'yes' }).catch((e: unknown) => e);
    expect((err as ConfigError).issues.join('\n')).toMatch(/POOL_CLAIM_SHARES/);
  });

  it('logs and rethrows when the dependencies cannot be built', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'error' }, { write: (l: string) => void lines.push(l) });
    const handler = poolHandler(ingestLambda, {
      deps: () => {
        throw new ConfigError('bad env');
      },
      log,
    });
    await expect(handler(sqsEvent([]), context)).rejects.toThrow('bad env');
    expect(lines.join('')).toMatch(/req-1/);
  });
});
