import type { Context } from 'aws-lambda';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../core/errors.js';
import type { ShareStore } from '../../../core/ports/share-store.js';
import { createHandler, depsFromEnv } from '../../../lambdas/ingest/handler.js';
import { sqsEvent } from './helpers.js';

const context = { awsRequestId: 'req-1' } as Context;

describe('ingest handler factory', () => {
  it('builds its dependencies on the first invocation, once', async () => {
    const store = {} as ShareStore;
    const makeDeps = vi.fn(() => ({ store, now: () => 0 }));
    const handler = createHandler(makeDeps, pino({ level: 'silent' }));
    expect(makeDeps).not.toHaveBeenCalled();
    const res = await handler(sqsEvent([{ messageId: 'm', body: 'nope' }]), context);
    await handler(sqsEvent([]), context);
    expect(makeDeps).toHaveBeenCalledTimes(1);
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'm' }] });
  });

  it('refuses an environment without its table names, naming what is missing', () => {
    try {
      depsFromEnv({ POOL_COIN: 'LTC' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.join('\n')).toMatch(/SHARES_TABLE/);
    }
  });

  it('logs and rethrows when the dependencies cannot be built', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'error' }, { write: (l: string) => void lines.push(l) });
    const handler = createHandler(() => {
      throw new ConfigError('bad env');
    }, log);
    await expect(handler(sqsEvent([]), context)).rejects.toThrow('bad env');
    expect(lines.join('')).toMatch(/req-1/);
  });
});
