import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BanPolicy, clientKey, normalizeIp, SHARED_BAN, shareKind } from '../../../fargate/src/stratum/ban-policy.js';
import { Session } from '../../../fargate/src/stratum/session.js';
import { Vardiff } from '../../../fargate/src/stratum/vardiff.js';
import { options, type SecurityOverrides, security } from './fakes.js';

const IP = '203.0.113.9';

/** A policy on a hand-driven clock, with some settings replaced. */
function policy(over: SecurityOverrides = {}) {
  const clock = { now: 1_700_000_000_000 };
  const p = new BanPolicy(security(over), () => clock.now);
  const advance = (seconds: number) => {
    clock.now += seconds * 1000;
  };
  return { p, advance };
}

/** Reports `n` shares with the given result; returns the index (1-based) of the report that banned, or 0. */
function shares(p: BanPolicy, n: number, result: string, ip = IP): number {
  for (let i = 1; i <= n; i++) if (p.report(ip, { kind: 'share', result }).banned) return i;
  return 0;
}

describe('BanPolicy: malformed requests', () => {
  it('bans at malformedLimit, refuses connections for timeoutSeconds, then lets the IP start over', () => {
    const { p, advance } = policy({ banning: { malformedLimit: 5, timeoutSeconds: 600 } });
    const verdicts = Array.from({ length: 5 }, () => p.report(IP, { kind: 'malformed' }));
    console.log(`malformed: verdicts ${verdicts.map((v) => (v.banned ? 'ban' : 'ok')).join(',')}`);
    expect(verdicts.map((v) => v.banned)).toEqual([false, false, false, false, true]);
    expect(verdicts[4]).toEqual({
      banned: true,
      reason: 'malformed',
      message: 'banned for 600 s: 5 malformed requests',
    });
    expect(p.admit(IP)).toEqual({ ok: false, reason: 'banned', message: 'banned, 600 s left' });
    advance(599);
    expect(p.admit(IP)).toMatchObject({ ok: false, message: 'banned, 1 s left' });
    expect(p.admit('203.0.113.10')).toEqual({ ok: true }); // the neighbour is not banned
    advance(1);
    expect(p.admit(IP)).toEqual({ ok: true });
    expect(p.isBanned(IP)).toBe(false);
    // a served ban starts the count over: one more malformed line is not a new ban
    expect(p.report(IP, { kind: 'malformed' }).banned).toBe(false);
  });

  it('bans a line over the size limit at once', () => {
    const { p } = policy();
    expect(p.report(IP, { kind: 'flood' })).toMatchObject({ banned: true, reason: 'flood' });
    expect(p.isBanned(IP)).toBe(true);
  });

  it('forgets malformed requests after resetIntervalSeconds', () => {
    const { p, advance } = policy({ banning: { malformedLimit: 3 }, resetIntervalSeconds: 60 });
    p.report(IP, { kind: 'malformed' });
    p.report(IP, { kind: 'malformed' });
    advance(60);
    expect(p.report(IP, { kind: 'malformed' }).banned).toBe(false);
    expect(p.report(IP, { kind: 'malformed' }).banned).toBe(false);
    expect(p.report(IP, { kind: 'malformed' }).banned).toBe(true);
  });
});

describe('BanPolicy: invalid shares', () => {
  it('bans when invalid shares reach invalidPercent of a checkThreshold window, not before the window is full', () => {
    const { p } = policy({ banning: { checkThreshold: 30, invalidPercent: 30 } });
    expect(shares(p, 21, 'accepted')).toBe(0);
    expect(shares(p, 8, 'low-difficulty')).toBe(0); // 29 checked: no verdict yet
    const at = shares(p, 1, 'duplicate'); // 30th share: 9 of 30 invalid = 30 %
    console.log(`invalid shares: 21 valid + 9 invalid → banned at share ${21 + 8 + at}`);
    expect(at).toBe(1);
    expect(p.isBanned(IP)).toBe(true);
  });

  it('starts a new window after each verdict: 8 invalid in 30 (27 %) twice is no ban', () => {
    const { p } = policy({ banning: { checkThreshold: 30, invalidPercent: 30 } });
    for (let w = 0; w < 2; w++) {
      expect(shares(p, 22, 'accepted')).toBe(0);
      expect(shares(p, 8, 'invalid')).toBe(0);
    }
    expect(p.isBanned(IP)).toBe(false);
  });

  it('never bans for stale shares or shares the pool failed to record', () => {
    const { p } = policy({ banning: { checkThreshold: 10 } });
    expect(shares(p, 500, 'stale') + shares(p, 500, 'not-recorded')).toBe(0);
    expect(['accepted', 'stale', 'not-recorded', 'low-difficulty', 'malformed', 'unauthorized'].map(shareKind)).toEqual(
      ['valid', 'neutral', 'neutral', 'invalid', 'invalid', 'invalid'],
    );
  });

  it('bans nobody when banning is disabled, and never a whitelisted IP (also seen as IPv4-mapped IPv6)', () => {
    const off = policy({ banning: { enabled: false, checkThreshold: 5 } }).p;
    expect(shares(off, 100, 'invalid') + Number(off.report(IP, { kind: 'flood' }).banned)).toBe(0);
    const { p } = policy({ banning: { whitelist: [IP], malformedLimit: 1 } });
    expect(p.report(`::ffff:${IP}`, { kind: 'malformed' }).banned).toBe(false);
    expect(p.report(IP, { kind: 'flood' }).banned).toBe(false);
    expect(shares(p, 100, 'invalid')).toBe(0);
    expect(normalizeIp('::FFFF:10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeIp('2001:DB8::1')).toBe('2001:db8::1');
  });
});

describe('BanPolicy: listeners', () => {
  it('tells every listener of a new ban with the reporting source, until it unsubscribes', () => {
    const { p } = policy({ banning: { malformedLimit: 1 } });
    const heard: unknown[][] = [];
    const off = p.onBan((ip, ban, source) => heard.push([ip, ban.reason, source]));
    p.report(`::ffff:${IP}`, { kind: 'malformed' }, 'conn-1');
    p.report('10.0.0.1', { kind: 'share', result: 'accepted' }, 'conn-2');
    off();
    p.report('10.0.0.2', { kind: 'flood' });
    expect(heard).toEqual([[IP, 'malformed', 'conn-1']]);
  });
});

describe('BanPolicy: connection limits', () => {
  it('admits everyone during the grace, then `limit` connections per IP, more for each valid share', () => {
    const { p, advance } = policy({ connectionLimits: { limit: 3, graceSeconds: 60, limitJump: 2 } });
    const during = Array.from({ length: 50 }, () => p.admit(IP).ok).filter(Boolean).length;
    advance(60);
    const after = Array.from({ length: 5 }, () => p.admit(IP));
    console.log(
      `connection limit: ${during}/50 admitted in the grace, then ${after.filter((a) => a.ok).length}/5 after it`,
    );
    expect(during).toBe(50);
    expect(after.map((a) => a.ok)).toEqual([true, true, true, false, false]);
    expect(after[3]).toMatchObject({ reason: 'connection-limit' });
    shares(p, 1, 'accepted'); // +2
    expect([p.admit(IP).ok, p.admit(IP).ok, p.admit(IP).ok]).toEqual([true, true, false]);
    shares(p, 5, 'stale'); // stale shares earn nothing
    expect(p.admit(IP).ok).toBe(false);
    expect(p.admit('198.51.100.1').ok).toBe(true); // budgets are per IP
  });

  it('gives the budget back every resetIntervalSeconds; no limit when disabled or whitelisted', () => {
    const { p, advance } = policy({ connectionLimits: { limit: 1, graceSeconds: 0 }, resetIntervalSeconds: 100 });
    expect([p.admit(IP).ok, p.admit(IP).ok]).toEqual([true, false]);
    advance(100);
    expect([p.admit(IP).ok, p.admit(IP).ok]).toEqual([true, false]);
    const off = policy({ connectionLimits: { enabled: false, limit: 1, graceSeconds: 0 } }).p;
    expect(Array.from({ length: 20 }, () => off.admit(IP).ok).every(Boolean)).toBe(true);
    const white = policy({ connectionLimits: { limit: 1, graceSeconds: 0 }, banning: { whitelist: [IP] } }).p;
    expect(Array.from({ length: 20 }, () => white.admit(IP).ok).every(Boolean)).toBe(true);
  });
});

describe('BanPolicy: memory', () => {
  it('keeps at most maxTrackedIps, evicting the least recently seen unbanned IP first', () => {
    const { p } = policy({ maxTrackedIps: 100 });
    p.report('10.0.0.0', { kind: 'flood' }); // the oldest entry, but banned
    for (let i = 1; i <= 1000; i++) p.admit(`10.0.${i >> 8}.${i & 255}`);
    console.log(`memory: 1001 IPs seen, ${p.trackedIps} tracked (max 100); the banned one kept`);
    expect(p.trackedIps).toBe(100);
    expect(p.isBanned('10.0.0.0')).toBe(true);
  });

  it('evicts by when an IP was last seen, to the second: a miner sending shares all along keeps its counters', () => {
    const { p, advance } = policy({ maxTrackedIps: 3, banning: { checkThreshold: 1000 } });
    const busy = '10.0.0.1';
    p.admit(busy);
    p.admit('10.0.0.2');
    p.admit('10.0.0.3');
    // the busy IP's shares, many a second for 5 s: its entry moves to the end at least once a second
    for (let i = 0; i < 50; i++) {
      advance(0.1);
      p.report(busy, { kind: 'share', result: 'invalid' });
    }
    p.admit('10.0.0.4'); // one over: the least recently seen goes
    expect(p.trackedIps).toBe(3);
    p.admit('10.0.0.5');
    // the busy IP's 50 invalid shares are still counted: with 950 more of them its checkThreshold is met
    for (let i = 0; i < 950; i++) p.report(busy, { kind: 'share', result: 'invalid' });
    expect(p.isBanned(busy)).toBe(true);
  });

  it('sweep forgets IPs quiet for resetIntervalSeconds, but not a ban that still runs', () => {
    const { p, advance } = policy({ resetIntervalSeconds: 60, banning: { timeoutSeconds: 120 } });
    p.admit('10.0.0.1');
    p.report('10.0.0.2', { kind: 'flood' });
    advance(30);
    p.admit('10.0.0.3');
    advance(30);
    expect(p.sweep()).toBe(1); // 10.0.0.1
    advance(60);
    expect(p.sweep()).toBe(2); // 10.0.0.3, and 10.0.0.2 whose ban ended
    expect(p.trackedIps).toBe(0);
  });

  it('holds its invariants under any sequence of events and clock steps', () => {
    const ips = ['10.0.0.1', '10.0.0.2', '::ffff:10.0.0.3', '2001:db8::7', '10.0.0.9'];
    const event = fc.oneof(
      fc.record({ op: fc.constant('admit' as const), ip: fc.constantFrom(...ips) }),
      fc.record({
        op: fc.constant('report' as const),
        ip: fc.constantFrom(...ips),
        kind: fc.constantFrom('malformed' as const, 'flood' as const, 'share' as const),
        result: fc.constantFrom('accepted', 'stale', 'invalid', 'duplicate', 'low-difficulty'),
      }),
      fc.record({ op: fc.constant('wait' as const), seconds: fc.integer({ min: 0, max: 400 }) }),
      fc.record({ op: fc.constant('sweep' as const) }),
    );
    let runs = 0;
    let bans = 0;
    fc.assert(
      fc.property(fc.array(event, { maxLength: 200 }), (events) => {
        runs++;
        const { p, advance } = policy({
          banning: { timeoutSeconds: 300, checkThreshold: 5, malformedLimit: 3, whitelist: ['10.0.0.9'] },
          connectionLimits: { limit: 2, graceSeconds: 100 },
          maxTrackedIps: 100,
        });
        const bannedAt = new Map<string, number>();
        let t = 0;
        for (const e of events) {
          if (e.op === 'wait') {
            advance(e.seconds);
            t += e.seconds;
          } else if (e.op === 'sweep') p.sweep();
          else if (e.op === 'admit') p.admit(e.ip);
          else {
            const v = p.report(e.ip, e.kind === 'share' ? { kind: 'share', result: e.result } : { kind: e.kind });
            if (v.banned) {
              bans++;
              bannedAt.set(normalizeIp(e.ip), t);
            }
          }
          expect(p.isBanned('10.0.0.9')).toBe(false);
          expect(p.trackedIps).toBeLessThanOrEqual(ips.length);
          for (const ip of ips) {
            const since = bannedAt.get(normalizeIp(ip));
            // banned exactly while within timeoutSeconds of the latest ban
            expect(p.isBanned(ip)).toBe(since !== undefined && t - since < 300);
          }
        }
      }),
      { numRuns: 300 },
    );
    console.log(`policy properties: ${runs} random event sequences, ${bans} bans, invariants held`);
  });
});

describe('BanPolicy: open connections per IP', () => {
  it('caps the open connections of an IP from the first second (no grace), and a closed one frees its place', () => {
    // Attempts budget and grace as the defaults: only the cap on open connections can refuse here.
    const { p } = policy({ connectionLimits: { maxPerIp: 3, limit: 1000, graceSeconds: 300 } });
    const admitted = Array.from({ length: 10 }, () => p.admit(IP));
    console.log(`open connections: ${admitted.filter((a) => a.ok).length}/10 admitted with maxPerIp 3 in the grace`);
    expect(admitted.map((a) => a.ok)).toEqual([true, true, true, false, false, false, false, false, false, false]);
    expect(admitted[3]).toMatchObject({ reason: 'connection-limit' });
    expect(p.admit('198.51.100.1').ok).toBe(true); // per IP
    p.closed(IP);
    expect(p.admit(IP).ok).toBe(true);
    expect(p.admit(IP).ok).toBe(false);
  });

  it('counts the open connections other processes report for the IP', () => {
    const { p } = policy({ connectionLimits: { maxPerIp: 4 } });
    const heard: Array<[string, number]> = [];
    p.onOpenCount((ip, n) => heard.push([ip, n]));
    p.setOpenElsewhere(IP, 3);
    expect([p.admit(IP).ok, p.admit(IP).ok]).toEqual([true, false]);
    p.closed(IP);
    expect(heard).toEqual([
      [IP, 1],
      [IP, 0],
    ]);
    p.setOpenElsewhere(IP, 0);
    expect([1, 2, 3, 4, 5].map(() => p.admit(IP).ok)).toEqual([true, true, true, true, false]);
  });

  it('whitelisted IPs are not capped', () => {
    const { p } = policy({ connectionLimits: { maxPerIp: 1 }, banning: { whitelist: [IP] } });
    expect(Array.from({ length: 20 }, () => p.admit(IP).ok).every(Boolean)).toBe(true);
  });
});

describe('BanPolicy: IPv6', () => {
  it('counts, caps and bans an IPv6 client by its /64, whatever the address within it', () => {
    const { p } = policy({ connectionLimits: { maxPerIp: 2 } });
    expect(clientKey('2001:DB8:1:2::7')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:0001:0002:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(clientKey('::ffff:a00:2')).toBe('10.0.0.2'); // IPv4-mapped, in hex groups
    expect(clientKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect([p.admit('2001:db8:1:2::1').ok, p.admit('2001:db8:1:2:ffff::9').ok, p.admit('2001:db8:1:2::3').ok]).toEqual([
      true,
      true,
      false,
    ]);
    expect(p.admit('2001:db8:1:3::1').ok).toBe(true); // the next /64 is someone else
    p.report('2001:db8:1:2::1', { kind: 'flood' });
    expect(p.isBanned('2001:db8:1:2:1234:5678:9abc:def0')).toBe(true);
    expect(p.isBanned('2001:db8:1:3::1')).toBe(false);
  });

  it("counts a connection's shares under its session's client key as under its address: the /64, the IPv4 of a mapped address", () => {
    for (const [address, other] of [
      ['2001:DB8:1:2::7', '2001:db8:1:2:ffff::9'],
      ['::ffff:10.0.0.1', '10.0.0.1'],
      [IP, IP],
    ] as const) {
      const session = new Session(1, { address, port: 3333 }, 1, new Vardiff(options().difficulty, 0));
      expect(session.clientKey).toBe(clientKey(address));
      // Half the threshold's shares invalid through the session's key, the rest through another address of the same
      // client: the ban comes on the threshold's share, as when every share is reported by address.
      const { p } = policy({ banning: { checkThreshold: 10, invalidPercent: 50 } });
      for (let i = 0; i < 5; i++)
        expect(p.reportClient(session.clientKey, { kind: 'share', result: 'invalid' }).banned).toBe(false);
      expect(shares(p, 5, 'accepted', other)).toBe(5);
      expect(p.isBanned(address)).toBe(true);
      expect(p.isBanned('2001:db8:1:3::1')).toBe(false);
    }
  });
});

describe('BanPolicy: shared bans', () => {
  it('applies a ban another process or task reported until its end, telling listeners it came from elsewhere', () => {
    const { p, advance } = policy();
    const heard: unknown[][] = [];
    p.onBan((ip, ban, source) => heard.push([ip, ban.reason, source]));
    p.applySharedBan({ ip: IP, until: 1_700_000_000_000 + 60_000, reason: 'malformed' });
    expect(heard).toEqual([[IP, 'malformed', SHARED_BAN]]);
    expect(p.admit(IP)).toMatchObject({ ok: false, reason: 'banned', message: 'banned, 60 s left' });
    // a ban known already is not announced again; an older end does not shorten it
    p.applySharedBan({ ip: IP, until: 1_700_000_000_000 + 30_000, reason: 'malformed' });
    expect(heard).toHaveLength(1);
    advance(60);
    expect(p.admit(IP).ok).toBe(true);
    // a ban that is over already changes nothing
    p.applySharedBan({ ip: IP, until: 1_700_000_000_000, reason: 'flood' });
    expect(p.isBanned(IP)).toBe(false);
  });

  it('tells when a ban of its own ends', () => {
    const { p } = policy({ banning: { timeoutSeconds: 120 } });
    expect(p.banEnd(IP)).toBeUndefined();
    p.report(IP, { kind: 'flood' });
    expect(p.banEnd(`::ffff:${IP}`)).toBe(1_700_000_000_000 + 120_000);
  });
});
