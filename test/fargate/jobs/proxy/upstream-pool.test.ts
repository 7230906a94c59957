import { describe, expect, it } from 'vitest';
import type {
  UpstreamConnection,
  UpstreamEndpoint,
  UpstreamEvents,
} from '../../../../fargate/src/jobs/proxy/upstream-connection.js';
import { UpstreamPool, type UpstreamPoolEvents } from '../../../../fargate/src/jobs/proxy/upstream-pool.js';
import { createLogger } from '../../../../local/logger.js';

const endpoint = (name: string): UpstreamEndpoint => ({
  url: `stratum+tcp://${name}:3333`,
  user: 'pool',
  password: 'x',
});

/** Upstreams that answer or refuse as the test says, and a clock the test moves. */
function harness(names: string[]) {
  const up = new Map(names.map((n) => [`stratum+tcp://${n}:3333`, false]));
  const tries: string[] = [];
  const open = (async (e: UpstreamEndpoint, o: { resumeSessionId?: string }) => {
    tries.push(`${e.url}${o.resumeSessionId ? ` resume ${o.resumeSessionId}` : ''}`);
    if (!up.get(e.url)) throw new Error('connection refused');
    let events: UpstreamEvents | undefined;
    const conn = {
      endpoint: e,
      closed: false,
      name: e.url,
      session: { extranonce1: `${e.url.length}`.padStart(8, '0'), extranonce2Size: 8, versionMask: 0 },
      listen: (ev: UpstreamEvents) => {
        events = ev;
      },
      close: (reason: string) => {
        if (conn.closed) return;
        conn.closed = true;
        events?.closed(reason);
      },
    };
    return conn as unknown as UpstreamConnection;
  }) as unknown as typeof UpstreamConnection.open;
  let now = 0;
  const log: string[] = [];
  const events: UpstreamPoolEvents = {
    serving: (c) => log.push(`serving ${c.endpoint.url}`),
    notify: () => {},
    difficulty: () => {},
    extranonce: () => {},
    lost: () => log.push('lost'),
  };
  const pool = new UpstreamPool(
    {
      endpoints: names.map(endpoint),
      timeoutMs: 1000,
      maxRetryMs: 8000,
      log: createLogger('upstream-pool-test', 'silent'),
      now: () => now,
      checkIntervalMs: 60_000,
      open,
    },
    events,
  );
  const tick = async (ms: number) => {
    now += ms;
    await (pool as unknown as { tryPreferred(): Promise<void> }).tryPreferred();
  };
  return { pool, up, tries, log, tick };
}

describe('upstream failover', () => {
  it('serves from the first upstream that answers, in configured order', async () => {
    const h = harness(['a', 'b', 'c']);
    h.up.set('stratum+tcp://b:3333', true);
    h.up.set('stratum+tcp://c:3333', true);
    await h.pool.start();
    expect(h.pool.serving?.endpoint.url).toBe('stratum+tcp://b:3333');
    expect(h.tries).toEqual(['stratum+tcp://a:3333', 'stratum+tcp://b:3333']);
    expect(h.pool.status().map((s) => s.healthy)).toEqual([false, true, false]);
    h.pool.stop();
  });

  it('returns to a preferred upstream once it answers, after its backoff, and fails over when the serving one dies', async () => {
    const h = harness(['a', 'b']);
    h.up.set('stratum+tcp://b:3333', true);
    await h.pool.start();
    expect(h.pool.serving?.endpoint.url).toBe('stratum+tcp://b:3333');
    h.up.set('stratum+tcp://a:3333', true);
    await h.tick(500); // a's first backoff is 1 s: not tried yet
    expect(h.pool.serving?.endpoint.url).toBe('stratum+tcp://b:3333');
    await h.tick(600);
    expect(h.pool.serving?.endpoint.url).toBe('stratum+tcp://a:3333');
    expect(h.log).toEqual(['serving stratum+tcp://b:3333', 'serving stratum+tcp://a:3333']);
    // a dies: b serves again at once (resuming its session), a waits out its backoff
    h.up.set('stratum+tcp://a:3333', false);
    h.pool.serving!.close('connection reset');
    await new Promise((r) => setImmediate(r));
    expect(h.log.slice(2)).toEqual(['lost', 'serving stratum+tcp://b:3333']);
    expect(h.tries.at(-1)).toMatch(/b:3333 resume/);
    h.pool.stop();
  });

  it('doubles the backoff of an upstream that keeps failing, up to the maximum', async () => {
    const h = harness(['a']);
    await h.pool.start();
    const triesAt: number[] = [];
    for (let t = 0; t < 40_000; t += 500) {
      const before = h.tries.length;
      await h.tick(500);
      if (h.tries.length > before) triesAt.push(t + 500);
    }
    const gaps = triesAt.slice(1).map((t, i) => t - triesAt[i]!);
    expect(gaps.slice(0, 4)).toEqual([2000, 4000, 8000, 8000]);
    expect(h.pool.serving).toBeUndefined();
    h.pool.stop();
  });
});
