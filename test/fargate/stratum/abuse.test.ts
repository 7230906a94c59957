import { afterEach, describe, expect, it } from 'vitest';
import { BanPolicy } from '../../../fargate/src/stratum/ban-policy.js';
import { security, until } from './fakes.js';
import type { PairClient } from './pair-client.js';
import { closed, startTcp, submitParams, type TcpServerOptions, working } from './tcp-harness.js';

// Abuse protection over real TCP on loopback: bans, connection limits and slow-client drops, each test printing
// what it did and what it saw. The server runs on a hand-driven clock so a 30-minute ban ends without waiting.

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const T0 = 1_700_000_000_000;

async function start(o: TcpServerOptions = {}) {
  const clock = { now: T0 };
  const h = await startTcp((fn) => cleanup.push(fn), { now: () => clock.now, ...o });
  const advance = (seconds: number) => {
    clock.now += seconds * 1000;
  };
  return { ...h, advance };
}

/** The error line a refused client gets before its socket closes. */
async function refusal(c: PairClient): Promise<string | undefined> {
  const wasClosed = await closed(c);
  return wasClosed ? c.messages[0]?.error?.[1] : 'still open';
}

describe('bans over TCP', () => {
  it('bans a client sending garbage; its reconnect is refused while the ban lasts and accepted after', async () => {
    const { client, server, advance, count } = await start({
      over: { security: security({ banning: { malformedLimit: 5, timeoutSeconds: 1800 } }) },
    });
    const garbage = await client();
    const lines = ['hello', '{"id":1', '[1,2,3]', '{"id":2,"method":42}', '\u0000\u00ff{{{'];
    for (const l of lines) garbage.raw(`${l}\n`);
    expect(await closed(garbage)).toBe(true);
    const answered = garbage.responses.filter((r) => r.error?.[0] === 20).length;
    const retry = await client();
    const during = await refusal(retry);
    advance(1799);
    const late = await refusal(await client());
    advance(1);
    const after = await client();
    const sub = await after.request(1, 'mining.subscribe', []);
    console.log(
      `garbage: ${lines.length} lines sent, ${answered} answered with error 20, then closed; ` +
        `bans:malformed=${count('bans:LTC:malformed')}; reconnect during ban: "${during}"; ` +
        `1 s before the end: "${late}"; after 1800 s: subscribe ${sub.error === null ? 'answered' : 'refused'}`,
    );
    expect(answered).toBe(5);
    expect(count('bans:LTC:malformed')).toBe(1);
    expect(during).toBe('banned, 1800 s left');
    expect(late).toBe('banned, 1 s left');
    expect(sub.error).toBeNull();
    expect(count('drops:LTC:banned')).toBe(3); // the garbage connection and the two refused reconnects
    expect(server.connectionCount).toBe(1);
  });

  it('bans an invalid-share flood and closes every connection of that IP', async () => {
    const { client, jobs, server, count, log } = await start({
      over: { security: security({ banning: { checkThreshold: 10, invalidPercent: 50 } }) },
    });
    const flooder = await client();
    const sibling = await client(); // a second connection from the same IP
    await working(flooder);
    await working(sibling);
    jobs.verdict = { ok: false, code: 23, message: 'low difficulty share' };
    for (let i = 0; i < 50; i++) flooder.send(10 + i, 'mining.submit', submitParams(i.toString(16).padStart(8, '0')));
    expect(await closed(flooder)).toBe(true);
    expect(await closed(sibling)).toBe(true);
    const answers = flooder.responses.filter((r) => r.error?.[0] === 23).length;
    const ban = log.entries.find((e) => e.level === 'warn' && /^banned/.test(e.msg));
    console.log(
      `invalid-share flood: 50 low-difficulty submits sent, ${answers} answered (23), ${jobs.submissions.length} ` +
        `checked, then both connections of the IP closed; "${ban?.msg}"`,
    );
    expect(answers).toBe(10);
    expect(jobs.submissions).toHaveLength(10);
    expect(ban?.msg).toBe('banned for 1800 s: 10 of 10 shares invalid (100%)');
    expect(count('bans:LTC:invalid-shares')).toBe(1);
    expect(await refusal(await client())).toMatch(/^banned, /);
    expect(server.connectionCount).toBe(0);
  });

  it('with the PROXY protocol, bans the real client IP, not the load balancer', async () => {
    const { proxied, server, count } = await start({
      proxyProtocol: true,
      over: { security: security({ banning: { malformedLimit: 2 } }) },
    });
    const miner = await proxied('198.51.100.7');
    await working(miner);
    const attacker = await proxied('203.0.113.66');
    attacker.raw('garbage\ngarbage\n');
    expect(await closed(attacker)).toBe(true);
    const again = await refusal(await proxied('203.0.113.66'));
    const other = await proxied('203.0.113.67');
    const otherSub = await other.request(1, 'mining.subscribe', []);
    const share = await miner.request(5, 'mining.submit', submitParams('00000001'));
    console.log(
      `PROXY: every TCP connection from 127.0.0.1; source 203.0.113.66 banned (${count('bans:LTC:malformed')} ban), ` +
        `its reconnect: "${again}"; 203.0.113.67 subscribe: ${otherSub.error === null ? 'ok' : 'refused'}; ` +
        `miner 198.51.100.7 share: ${share.result}`,
    );
    expect(again).toMatch(/^banned, /);
    expect(otherSub.error).toBeNull();
    expect(share.result).toBe(true);
    expect(server.policy.isBanned('203.0.113.66')).toBe(true);
    expect(server.policy.isBanned('127.0.0.1')).toBe(false);
  });
});

describe('one ban list for the ports of a coin', () => {
  it('closes and refuses a banned IP on every port sharing the policy', async () => {
    const clock = { now: T0 };
    const policy = new BanPolicy(security({ banning: { malformedLimit: 1 } }), () => clock.now);
    const a = await start({ policy });
    const b = await start({ policy });
    const miner = await b.client();
    await working(miner);
    const attacker = await a.client();
    attacker.raw('garbage\n');
    expect(await closed(attacker)).toBe(true);
    expect(await closed(miner)).toBe(true);
    const onB = await refusal(await b.client());
    console.log(
      `shared policy: garbage on port ${a.port} banned 127.0.0.1; its miner on port ${b.port} closed, ` +
        `a new connection there: "${onB}"; bans counted once: ${a.count('bans:LTC:malformed') + b.count('bans:LTC:malformed')}`,
    );
    expect(onB).toMatch(/^banned, /);
    expect(a.count('bans:LTC:malformed') + b.count('bans:LTC:malformed')).toBe(1);
    expect(b.count('drops:LTC:banned')).toBe(2);
  });
});

describe('connection limits over TCP', () => {
  it('refuses connections past the per-IP budget; valid shares raise it', async () => {
    const { client, server, count } = await start({
      over: { security: security({ connectionLimits: { limit: 3, graceSeconds: 0, limitJump: 2 } }) },
    });
    const first = [await client(), await client(), await client()];
    const fourth = await refusal(await client());
    await working(first[0]!);
    expect((await first[0]!.request(5, 'mining.submit', submitParams('00000001'))).result).toBe(true);
    const more = [await client(), await client()];
    for (const c of more) expect((await c.request(1, 'mining.subscribe', [])).error).toBeNull();
    const eighth = await refusal(await client());
    console.log(
      `connection limit 3 (+2 per valid share): 3 accepted, 4th "${fourth}"; after 1 valid share 2 more accepted, ` +
        `then refused again; drops:connection-limit=${count('drops:LTC:connection-limit')}, open=${server.connectionCount}`,
    );
    expect(fourth).toBe('too many connections from this IP; valid shares allow more');
    expect(eighth).toBe(fourth);
    expect(count('drops:LTC:connection-limit')).toBe(2);
    expect(server.connectionCount).toBe(5);
  });

  it('admits any number of connections during the grace after start', async () => {
    const { client, server, advance } = await start({
      over: { security: security({ connectionLimits: { limit: 2, graceSeconds: 300 } }) },
    });
    for (let i = 0; i < 10; i++) await client();
    await until(() => server.connectionCount === 10, '10 connections').catch(() => {});
    const inGrace = server.connectionCount;
    advance(300);
    const after = [await client(), await client(), await client()];
    const refused = await refusal(after[2]!);
    console.log(`grace: ${inGrace} connections admitted in the first 300 s; after it, the 3rd new one: "${refused}"`);
    expect(inGrace).toBe(10);
    expect(refused).toMatch(/^too many connections/);
  });
});

describe('slow and silent clients over TCP', () => {
  it('closes a slowloris socket that never completes its line, and keeps a miner whose lines arrive in pieces', async () => {
    const { socket, client, count } = await start({ over: { security: security({ lineTimeoutSeconds: 0.3 }) } });
    const miner = await client();
    const slow = await socket();
    let dripped = 0;
    const started = performance.now();
    const drip = setInterval(() => {
      if (!slow.destroyed) slow.write('{"id":1,"method":"mining.subscribe"'.charAt(dripped++ % 35));
    }, 50);
    cleanup.push(() => clearInterval(drip));
    const slowEnded = new Promise<number>((resolve) => slow.once('close', () => resolve(performance.now() - started)));
    // the miner's lines straddle packets, each piece well within the timeout
    const line = JSON.stringify({ id: 1, method: 'mining.subscribe', params: ['split/1.0'] });
    for (let i = 0; i < line.length; i += 10) {
      miner.raw(line.slice(i, i + 10));
      await new Promise((r) => setTimeout(r, 20));
    }
    miner.raw('\n');
    const sub = await miner.response();
    const ms = await slowEnded;
    console.log(
      `slowloris: ${dripped} bytes dripped 50 ms apart, closed after ${Math.round(ms)} ms (timeout 300 ms); ` +
        `a ${line.length}-byte line in 10-byte pieces over ${Math.ceil(line.length / 10) * 20} ms: ` +
        `${sub.error === null ? 'answered' : 'refused'}; drops:slowloris=${count('drops:LTC:slowloris')}`,
    );
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(2000);
    expect(count('drops:LTC:slowloris')).toBe(1);
    expect(sub.error).toBeNull();
    expect(miner.ended).toBe(false);
  });

  it('closes a socket that does not authorize within authTimeoutMs', async () => {
    const { client, count, server } = await start({ over: { authTimeoutMs: 300 } });
    const started = performance.now();
    const lazy = await client();
    await lazy.request(1, 'mining.subscribe', []);
    const silent = await client();
    const good = await client();
    await working(good);
    expect(await closed(lazy)).toBe(true);
    expect(await closed(silent)).toBe(true);
    const ms = performance.now() - started;
    console.log(
      `never authorizing: 2 sockets (one subscribed, one silent) closed within ${Math.round(ms)} ms ` +
        `(timeout 300 ms); drops:auth-timeout=${count('drops:LTC:auth-timeout')}; the authorized one stays`,
    );
    expect(count('drops:LTC:auth-timeout')).toBe(2);
    expect(server.connectionCount).toBe(1);
  });
});

describe('a normal miner', () => {
  it('is never affected by tight protection: reconnects, stale shares and 200 valid shares, no ban, no drop', async () => {
    const { client, jobs, server, count, advance } = await start({
      over: {
        authTimeoutMs: 2000,
        security: security({
          banning: { malformedLimit: 1, checkThreshold: 5, invalidPercent: 30 },
          connectionLimits: { limit: 2, graceSeconds: 0, limitJump: 1 },
          lineTimeoutSeconds: 0.5,
        }),
      },
    });
    let accepted = 0;
    let stale = 0;
    for (let session = 0; session < 4; session++) {
      const c = await client();
      await working(c);
      for (let i = 0; i < 50; i++) {
        // one stale share in ten, as when a block changes the job under the miner
        jobs.nextVerdicts.push(
          i % 10 === 9
            ? { ok: false, code: 21, message: 'job not found (stale)' }
            : { ok: true, hash: 'ab', actualDifficulty: 1, networkDifficulty: 4096, height: 500 },
        );
        const r = await c.request(10 + i, 'mining.submit', submitParams(i.toString(16).padStart(8, '0')));
        if (r.result === true) accepted++;
        else if (r.error?.[0] === 21) stale++;
        advance(10);
      }
      c.stream.end(); // reconnect, as miners do after a network hiccup
      await closed(c);
    }
    const bans = ['malformed', 'flood', 'invalid-shares'].map((r) => count(`bans:LTC:${r}`));
    const drops = ['banned', 'connection-limit', 'slowloris', 'auth-timeout', 'malformed', 'line-too-long'].map((r) =>
      count(`drops:LTC:${r}`),
    );
    console.log(
      `normal miner: 4 sessions, ${accepted} accepted + ${stale} stale shares; bans ${bans.join('/')}, ` +
        `drops ${drops.join('/')}; IP banned: ${server.policy.isBanned('127.0.0.1')}`,
    );
    expect(accepted).toBe(180);
    expect(stale).toBe(20);
    expect(bans.every((n) => n === 0)).toBe(true);
    expect(drops.every((n) => n === 0)).toBe(true);
  });
});
