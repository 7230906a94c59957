import type { Context } from 'aws-lambda';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../../core/errors.js';
import { lambdaDeps, lazyDeps, poolHandler, poolLambda } from '../../../lambdas/shared/pool-handler.js';

const context = { awsRequestId: 'req-1' } as Context;
const silent = pino({ level: 'silent' });

/** A Lambda that answers its event's `n` plus its dependencies' `base`, built from TABLE and BASE. */
const adder = poolLambda({
  name: 'adder',
  env: z.object({ TABLE: z.string().min(1), BASE: z.coerce.number().int() }),
  build: (env) => ({ table: env.TABLE, base: env.BASE }),
  run: async (event: { n: number }, deps: { table: string; base: number }, { requestId }) => ({
    sum: deps.base + event.n,
    table: deps.table,
    requestId,
  }),
});

describe('lazyDeps', () => {
  it('builds once, on first use, and shares the result with concurrent invocations', async () => {
    const make = vi.fn(async () => ({ n: 1 }));
    const deps = lazyDeps(make);
    expect(make).not.toHaveBeenCalled();
    const [a, b] = await Promise.all([deps(), deps()]);
    expect(a).toBe(b);
    expect(await deps()).toBe(a);
    expect(make).toHaveBeenCalledTimes(1);
  });

  it('does not keep a failed build, thrown or rejected: the next invocation tries again', async () => {
    for (const fail of [
      () => Promise.reject(new Error('secret unreadable')),
      () => {
        throw new Error('secret unreadable');
      },
    ]) {
      const make = vi.fn().mockImplementationOnce(fail).mockResolvedValue({ n: 2 });
      const deps = lazyDeps(make as () => Promise<{ n: number }>);
      await expect(deps()).rejects.toThrow('secret unreadable');
      expect(await deps()).toEqual({ n: 2 });
      expect(await deps()).toEqual({ n: 2 });
      expect(make).toHaveBeenCalledTimes(2);
    }
  });
});

describe('poolHandler', () => {
  it('reads its environment through the schema and builds its dependencies on the first invocation, once', async () => {
    const build = vi.fn(adder.build);
    const handler = poolHandler({ ...adder, build }, { env: { TABLE: 't1', BASE: '40' }, log: silent });
    expect(build).not.toHaveBeenCalled();
    expect(await handler({ n: 2 }, context)).toEqual({ sum: 42, table: 't1', requestId: 'req-1' });
    expect(await handler({ n: 3 }, context)).toEqual({ sum: 43, table: 't1', requestId: 'req-1' });
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('builds again on the next invocation after a failed build, and logs the failure with its request id', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'error' }, { write: (l: string) => void lines.push(l) });
    let attempts = 0;
    const handler = poolHandler(adder, {
      deps: () => {
        attempts++;
        if (attempts === 1) throw new ConfigError('secret not readable yet');
        return { table: 't', base: 1 };
      },
      log,
    });
    await expect(handler({ n: 1 }, context)).rejects.toThrow('secret not readable yet');
    expect(lines.join('')).toMatch(/"requestId":"req-1"/);
    expect(await handler({ n: 1 }, context)).toMatchObject({ sum: 2 });
    expect(attempts).toBe(2);
  });

  it('refuses an invalid environment with a ConfigError naming each variable', async () => {
    const err = await lambdaDeps(adder, { BASE: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^adder Lambda environment is invalid/);
    const issues = (err as ConfigError).issues;
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/^TABLE: /);
    expect(issues[1]).toMatch(/^BASE: /);
    const handler = poolHandler(adder, { env: { BASE: '1' }, log: silent });
    await expect(handler({ n: 1 }, context)).rejects.toThrow(/TABLE: /);
  });
});
