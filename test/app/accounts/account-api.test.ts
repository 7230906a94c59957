import { beforeEach, describe, expect, it } from 'vitest';
import { identityMessage } from '../../../core/accounts/messages.js';
import { type AccountApiHarness, accountApiPerTest, PASSWORD, signedUpAccount, T0 } from '../../helpers/account-api.js';
import { type FakeIdentity, totpCode } from '../../helpers/fake-identity.js';
import { testKey } from '../../helpers/message-signer.js';

const harness = accountApiPerTest();
let h: AccountApiHarness;
let identity: FakeIdentity;
beforeEach(() => {
  h = harness();
  identity = harness().identity;
});

/** Enrolls TOTP for a signed-in account: its secret and recovery codes. */
async function enrollTotp(token: string) {
  const start = await h.call('POST', '/api/account/totp/start', { token, body: {} });
  expect(start.status).toBe(200);
  const secret = start.json.secret as string;
  expect(start.json.otpauthUri).toMatch(/^otpauth:\/\/totp\/testpool:.*secret=/);
  expect(start.json.qrSvg).toMatch(/^<svg/);
  const verify = await h.call('POST', '/api/account/totp/verify', { token, body: { code: totpCode(secret) } });
  expect(verify.status).toBe(200);
  return { secret, recoveryCodes: verify.json.recoveryCodes as string[] };
}

describe('sign-up and confirmation', () => {
  it('signs up, confirms from the mailed link, signs in and shows the account without secrets', async () => {
    const token = await signedUpAccount(h, 'Miner@Example.com'.toLowerCase());
    const me = await h.call('GET', '/api/account/me', { token });
    expect(me.status).toBe(200);
    expect(me.headers['cache-control']).toBe('no-store');
    expect(me.json.email).toBe('miner@example.com');
    expect(me.json.mfa).toEqual({ totp: false, recoveryCodesLeft: 0 });
    const referral = me.json.referral as { code: string; link: string };
    expect(referral.link).toBe(`http://pool.test/#/signup?ref=${referral.code}`);
    expect((me.json.settings as Record<string, { bounds: unknown }>).LTC!.bounds).toEqual({
      min: '1000000',
      max: '1000000000',
    });
    expect(me.body).not.toContain(PASSWORD);
  });

  it('answers a second sign-up of an email exactly as the first, and mails the owner instead of a new account', async () => {
    const first = await h.call('POST', '/api/account/signup', { body: { email: 'a@x.io', password: PASSWORD } });
    const again = await h.call('POST', '/api/account/signup', { body: { email: 'a@x.io', password: 'Other-Pass-77' } });
    expect(again.status).toBe(first.status);
    expect(again.body).toBe(first.body);
    const tried = await h.sink.waitFor('a@x.io', (m) => /someone tried/.test(m.subject));
    expect(tried.text).not.toContain('Other-Pass-77');
    expect(await h.store.accountByEmail('a@x.io')).toBeDefined();
  });

  it('confirms with a link once, and never after it expired', async () => {
    await h.call('POST', '/api/account/signup', { body: { email: 'b@x.io', password: PASSWORD } });
    const link = await h.linkToken('b@x.io', 'confirm', /confirm your account/);
    h.clock.now = T0 + 48 * 3_600_000; // confirmLinkHours
    const late = await h.call('POST', '/api/account/confirm', { body: { token: link, password: PASSWORD } });
    expect(late.status).toBe(400);
    expect(
      (await h.call('POST', '/api/account/signin', { body: { email: 'b@x.io', password: PASSWORD } })).status,
    ).toBe(401);
  });

  it('refuses a weak password and an unknown referral code with a 400 and creates nothing', async () => {
    const weak = await h.call('POST', '/api/account/signup', { body: { email: 'c@x.io', password: 'short' } });
    expect(weak.status).toBe(400);
    const ref = await h.call('POST', '/api/account/signup', {
      body: { email: 'c@x.io', password: PASSWORD, referralCode: 'ZZZZZZZZ' },
    });
    expect(ref.status).toBe(400);
    expect(await h.store.accountByEmail('c@x.io')).toBeUndefined();
  });

  it('records the referrer of an account signed up with its code', async () => {
    const t = await signedUpAccount(h, 'ref@x.io');
    const code = ((await h.call('GET', '/api/account/me', { token: t })).json.referral as { code: string }).code;
    await h.call('POST', '/api/account/signup', {
      body: { email: 'new@x.io', password: PASSWORD, referralCode: code.toLowerCase() },
    });
    const referrer = await h.store.accountByEmail('ref@x.io');
    const referred = await h.store.getProfile((await h.store.accountByEmail('new@x.io'))!);
    expect(referred?.referredBy).toBe(referrer);
  });
});

describe('sign-in limits', () => {
  it('locks an email after maxFailures wrong passwords, answering the right one exactly as a wrong one until the lock ends', async () => {
    await signedUpAccount(h, 'lock@x.io');
    const wrong = { email: 'lock@x.io', password: 'Wrong-Pass-1' };
    const unknown = await h.call('POST', '/api/account/signin', { body: { email: 'nobody@x.io', password: PASSWORD } });
    for (let i = 0; i < 5; i++) {
      const r = await h.call('POST', '/api/account/signin', { body: wrong });
      expect(r.status).toBe(401);
      expect(r.body).toBe(unknown.body);
    }
    const locked = await h.call('POST', '/api/account/signin', { body: { email: 'lock@x.io', password: PASSWORD } });
    expect(locked.status).toBe(401);
    expect(locked.body).toBe(unknown.body);
    expect(locked.headers['retry-after']).toBeUndefined();
    h.clock.now = T0 + 2 * 15 * 60_000; // two lockout windows later
    expect(
      (await h.call('POST', '/api/account/signin', { body: { email: 'lock@x.io', password: PASSWORD } })).status,
    ).toBe(200);
  });

  it('answers 429 with Retry-After past the per-IP hourly budget, for any email', async () => {
    h.deps.accounts = { ...h.deps.accounts, signIn: { ...h.deps.accounts.signIn, perIpPerHour: 3 } };
    for (let i = 0; i < 3; i++) {
      const r = await h.call('POST', '/api/account/signin', {
        body: { email: `u${i}@x.io`, password: PASSWORD },
      });
      expect(r.status).toBe(401);
    }
    const over = await h.call('POST', '/api/account/signin', {
      body: { email: 'u9@x.io', password: PASSWORD },
    });
    expect(over.status).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not limited.
    const other = await h.call('POST', '/api/account/signin', {
      ip: '203.0.113.1',
      body: { email: 'u9@x.io', password: PASSWORD },
    });
    expect(other.status).toBe(401);
  });
});

describe('confirmation links', () => {
  it('counts confirmation attempts in the per-IP hourly budget, like sign-up', async () => {
    await h.call('POST', '/api/account/signup', { body: { email: 'c@x.io', password: PASSWORD } });
    const token = await h.linkToken('c@x.io', 'confirm', /confirm your account/);
    h.deps.accounts = { ...h.deps.accounts, signIn: { ...h.deps.accounts.signIn, perIpPerHour: 3 } };
    const guess = (i: number) => ({ token: `${'g'.repeat(40)}${i}`, password: PASSWORD });
    const ip = '203.0.113.77';
    for (let i = 0; i < 3; i++) {
      expect((await h.call('POST', '/api/account/confirm', { body: guess(i), ip })).status).toBe(400);
    }
    const over = await h.call('POST', '/api/account/confirm', { body: { token, password: PASSWORD }, ip });
    expect(over.status).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // The link was not used up by the refusal: it works from this address in the next hour.
    h.clock.now = T0 + 3_600_000;
    expect((await h.call('POST', '/api/account/confirm', { body: { token, password: PASSWORD }, ip })).status).toBe(
      200,
    );
  });
});

describe('two-factor authentication', () => {
  it('enrolls TOTP, then asks for the code at sign-in; a wrong code is refused', async () => {
    const token = await signedUpAccount(h, 't@x.io');
    const { secret, recoveryCodes } = await enrollTotp(token);
    expect(recoveryCodes).toHaveLength(10);
    const me = await h.call('GET', '/api/account/me', { token });
    expect(me.json.mfa).toEqual({ totp: true, recoveryCodesLeft: 10 });
    expect(me.body).not.toContain(secret);
    for (const c of recoveryCodes) expect(me.body).not.toContain(c);
    const first = await h.call('POST', '/api/account/signin', { body: { email: 't@x.io', password: PASSWORD } });
    expect(first.json.kind).toBe('totp');
    const session = first.json.session as string;
    const bad = await h.call('POST', '/api/account/signin/totp', {
      body: { email: 't@x.io', session, code: '000000' },
    });
    expect(bad.status).toBe(401);
    const first2 = await h.call('POST', '/api/account/signin', { body: { email: 't@x.io', password: PASSWORD } });
    const ok = await h.call('POST', '/api/account/signin/totp', {
      body: { email: 't@x.io', session: first2.json.session, code: totpCode(secret) },
    });
    expect(ok.status).toBe(200);
    expect(ok.json.kind).toBe('tokens');
  });

  it('signs in with a recovery code once: TOTP goes off, the account is mailed and the log says so', async () => {
    const token = await signedUpAccount(h, 'r@x.io');
    const { recoveryCodes } = await enrollTotp(token);
    const body = { email: 'r@x.io', password: PASSWORD, recoveryCode: recoveryCodes[3]!.toLowerCase() };
    h.clock.now = T0 + 1000; // after the enrollment's log entry
    const used = await h.call('POST', '/api/account/signin/recovery', { body, ip: '192.0.2.9' });
    expect(used.status).toBe(200);
    expect(await identity.totpEnabled('r@x.io')).toBe(false);
    await h.sink.waitFor('r@x.io', (m) => /turned off/.test(m.subject));
    const fresh = (used.json.tokens as { accessToken: string }).accessToken;
    const log = await h.call('GET', '/api/account/log', { token: fresh });
    expect((log.json.entries as Array<{ kind: string; ip: string; source: string }>)[0]).toMatchObject({
      kind: 'totp-disabled',
      ip: '192.0.2.9',
      source: 'recovery-code',
    });
    // Enrolled again: the old codes are gone, the used one too.
    await enrollTotp(fresh);
    const again = await h.call('POST', '/api/account/signin/recovery', { body });
    expect(again.status).toBe(401);
    const old = await h.call('POST', '/api/account/signin/recovery', {
      body: { ...body, recoveryCode: recoveryCodes[4] },
    });
    expect(old.status).toBe(401);
  });
});

describe('a recovery code ends the other sessions', () => {
  it('refuses the tokens of an earlier sign-in once a recovery code turned TOTP off, and keeps its own', async () => {
    await signedUpAccount(h, 'lost@x.io');
    // The dashboard left signed in on the lost phone.
    const phone = await h.call('POST', '/api/account/signin', { body: { email: 'lost@x.io', password: PASSWORD } });
    const old = phone.json.tokens as { accessToken: string; refreshToken: string };
    const { recoveryCodes } = await enrollTotp(old.accessToken);
    expect((await h.call('GET', '/api/account/me', { token: old.accessToken })).status).toBe(200);

    const body = { email: 'lost@x.io', password: PASSWORD, recoveryCode: recoveryCodes[0] };
    const used = await h.call('POST', '/api/account/signin/recovery', { body });
    expect(used.status).toBe(200);
    const fresh = used.json.tokens as { accessToken: string; refreshToken: string };
    // The phone's access token is refused by every signed-in route, its refresh token by the provider.
    expect((await h.call('GET', '/api/account/me', { token: old.accessToken })).status).toBe(401);
    expect((await h.call('GET', '/api/account/watchers', { token: old.accessToken })).status).toBe(401);
    const oldRefresh = await h.call('POST', '/api/account/refresh', { body: { refreshToken: old.refreshToken } });
    expect(oldRefresh.status).toBe(401);
    // The recovery sign-in's own tokens work, and so do their refreshes.
    expect((await h.call('GET', '/api/account/me', { token: fresh.accessToken })).status).toBe(200);
    const refreshed = await h.call('POST', '/api/account/refresh', { body: { refreshToken: fresh.refreshToken } });
    expect(refreshed.status).toBe(200);
    const again = (refreshed.json.tokens as { accessToken: string }).accessToken;
    expect((await h.call('GET', '/api/account/me', { token: again })).status).toBe(200);
  });
});

describe('mining identities', () => {
  const miner = testKey('LTC', 'regtest', 3);
  const signed = (account: string, address: string, time = new Date(T0).toISOString()) => ({
    coin: 'LTC',
    address,
    label: 'rack 1',
    time,
    signature: miner.signBip137(identityMessage({ pool: 'testpool', account, coin: 'LTC', address, time }), 'p2wpkh'),
  });

  it('adds an address signed by its key to one account only, and removes it', async () => {
    const a = await signedUpAccount(h, 'ia@x.io');
    const b = await signedUpAccount(h, 'ib@x.io');
    const idA = (await h.call('GET', '/api/account/me', { token: a })).json.id as string;
    const idB = (await h.call('GET', '/api/account/me', { token: b })).json.id as string;
    // Signed for account a: refused for b (the message names the account).
    const forB = await h.call('POST', '/api/account/identities', { token: b, body: signed(idA, miner.address.p2wpkh) });
    expect(forB.status).toBe(403);
    const added = await h.call('POST', '/api/account/identities', {
      token: a,
      body: signed(idA, miner.address.p2wpkh),
    });
    expect(added.status).toBe(201);
    const taken = await h.call('POST', '/api/account/identities', {
      token: b,
      body: signed(idB, miner.address.p2wpkh),
    });
    expect(taken.status).toBe(409);
    const me = await h.call('GET', '/api/account/me', { token: a });
    expect(me.json.identities).toEqual([{ coin: 'LTC', address: miner.address.p2wpkh, label: 'rack 1', addedAt: T0 }]);
    const del = await h.call('DELETE', `/api/account/identities/LTC/${miner.address.p2wpkh}`, { token: a });
    expect(del.status).toBe(200);
    expect(
      (await h.call('POST', '/api/account/identities', { token: b, body: signed(idB, miner.address.p2wpkh) })).status,
    ).toBe(201);
  });

  it('refuses a stale signature', async () => {
    const a = await signedUpAccount(h, 'is@x.io');
    const id = (await h.call('GET', '/api/account/me', { token: a })).json.id as string;
    h.clock.now = T0 + 11 * 60_000;
    const r = await h.call('POST', '/api/account/identities', { token: a, body: signed(id, miner.address.p2wpkh) });
    expect(r.status).toBe(403);
  });
});

describe('money changes', () => {
  const payTo = testKey('LTC', 'regtest', 5).address.p2wpkh;

  async function withTotp(email: string) {
    const token = await signedUpAccount(h, email);
    const { secret } = await enrollTotp(token);
    return { token, secret };
  }

  it('needs TOTP enabled', async () => {
    const token = await signedUpAccount(h, 'm0@x.io');
    const r = await h.call('POST', '/api/account/settings/LTC', {
      token,
      body: { threshold: '2000000', password: PASSWORD, totp: '123456' },
    });
    expect(r.status).toBe(403);
  });

  it('applies a threshold and payout address only after the step-up and the emailed link, once, with a hold', async () => {
    const { token, secret } = await withTotp('m1@x.io');
    const wrong = await h.call('POST', '/api/account/settings/LTC', {
      token,
      body: { threshold: '2000000', payoutAddress: payTo, password: PASSWORD, totp: '000000' },
    });
    expect(wrong.status).toBe(401);
    const asked = await h.call('POST', '/api/account/settings/LTC', {
      token,
      ip: '198.51.100.20',
      body: { threshold: '2000000', payoutAddress: payTo, password: PASSWORD, totp: totpCode(secret) },
    });
    expect(asked.status).toBe(202);
    expect(await h.store.getPayoutSettings((await h.store.accountByEmail('m1@x.io'))!, 'LTC')).toBeUndefined();
    const link = await h.linkToken('m1@x.io', 'change', /confirm the change/);
    h.clock.now = T0 + 60_000;
    const applied = await h.call('POST', '/api/account/changes/confirm', {
      body: { token: link },
      ip: '198.51.100.21',
    });
    expect(applied.status).toBe(200);
    expect(applied.json.settings).toEqual({
      threshold: '2000000',
      payoutAddress: payTo,
      holdUntil: T0 + 60_000 + 24 * 3_600_000,
      updatedAt: T0 + 60_000,
    });
    expect((await h.call('POST', '/api/account/changes/confirm', { body: { token: link } })).status).toBe(400);
    await h.sink.waitFor('m1@x.io', (m) => /payout settings changed/.test(m.subject) && /held until/.test(m.text));
    const log = await h.call('GET', '/api/account/log', { token });
    expect((log.json.entries as Array<Record<string, unknown>>)[0]).toMatchObject({
      kind: 'payout-settings',
      ip: '198.51.100.21',
      source: 'totp+email',
      at: T0 + 60_000,
    });
  });

  it('refuses a threshold outside the bounds and a foreign address before any step-up, storing nothing', async () => {
    const { token, secret } = await withTotp('m2@x.io');
    for (const body of [
      { threshold: '999999' },
      { threshold: '1000000001' },
      { payoutAddress: 'bc1qnotltc' },
      { currency: 'DOGE' },
    ]) {
      const r = await h.call('POST', '/api/account/settings/LTC', {
        token,
        body: { ...body, password: PASSWORD, totp: totpCode(secret) },
      });
      expect(r.status).toBe(400);
    }
    expect(h.sink.mails().filter((m) => /confirm the change/.test(m.subject))).toHaveLength(0);
  });

  it('counts wrong step-ups toward the lockout: the email is then refused at sign-in too', async () => {
    const { token, secret } = await withTotp('m5@x.io');
    for (let i = 0; i < 5; i++) {
      const r = await h.call('POST', '/api/account/settings/LTC', {
        token,
        body: { threshold: '2000000', password: 'Wrong-Pass-1', totp: totpCode(secret) },
      });
      expect(r.status).toBe(401);
    }
    // Even the right password and code are refused now, and no link is mailed.
    const r = await h.call('POST', '/api/account/settings/LTC', {
      token,
      body: { threshold: '2000000', password: PASSWORD, totp: totpCode(secret) },
    });
    expect(r.status).toBe(401);
    expect(h.sink.mails().filter((m) => /confirm the change/.test(m.subject))).toHaveLength(0);
    expect(
      (await h.call('POST', '/api/account/signin', { body: { email: 'm5@x.io', password: PASSWORD } })).status,
    ).toBe(401);
  });

  it('keeps the link working when applying fails half-way: nothing is applied, the retry applies it', async () => {
    const { token, secret } = await withTotp('m6@x.io');
    await h.call('POST', '/api/account/settings/LTC', {
      token,
      body: { threshold: '4000000', password: PASSWORD, totp: totpCode(secret) },
    });
    const link = await h.linkToken('m6@x.io', 'change', /confirm the change/);
    const store = h.deps.store;
    let fail = true;
    h.deps.store = new Proxy(store, {
      get: (target, prop, receiver) =>
        prop === 'putPayoutSettings' && fail
          ? async () => {
              fail = false;
              throw new Error('storage down');
            }
          : Reflect.get(target, prop, receiver),
    });
    await expect(h.call('POST', '/api/account/changes/confirm', { body: { token: link } })).rejects.toThrow(
      'storage down',
    );
    const account = (await store.accountByEmail('m6@x.io'))!;
    expect(await store.getPayoutSettings(account, 'LTC')).toBeUndefined();
    const retried = await h.call('POST', '/api/account/changes/confirm', { body: { token: link } });
    expect(retried.status).toBe(200);
    expect((await store.getPayoutSettings(account, 'LTC'))?.threshold).toBe(4_000_000n);
  });

  it('lets an emailed link expire', async () => {
    const { token, secret } = await withTotp('m3@x.io');
    await h.call('POST', '/api/account/settings/LTC', {
      token,
      body: { threshold: '3000000', password: PASSWORD, totp: totpCode(secret) },
    });
    const link = await h.linkToken('m3@x.io', 'change', /confirm the change/);
    h.clock.now = T0 + 30 * 60_000;
    expect((await h.call('POST', '/api/account/changes/confirm', { body: { token: link } })).status).toBe(400);
  });

  it('applies a payout currency to every identity of the coin through the conversion preferences', async () => {
    const { token, secret } = await withTotp('m4@x.io');
    const id = (await h.call('GET', '/api/account/me', { token })).json.id as string;
    const miner = testKey('LTC', 'regtest', 9);
    const time = new Date(T0).toISOString();
    const address = miner.address.p2wpkh;
    await h.call('POST', '/api/account/identities', {
      token,
      body: {
        coin: 'LTC',
        address,
        label: '',
        time,
        signature: miner.signBip137(
          identityMessage({ pool: 'testpool', account: id, coin: 'LTC', address, time }),
          'p2wpkh',
        ),
      },
    });
    const btc = testKey('BTC', 'regtest', 2).address.p2wpkh;
    const asked = await h.call('POST', '/api/account/settings/LTC', {
      token,
      body: { currency: 'BTC', currencyAddress: btc, password: PASSWORD, totp: totpCode(secret) },
    });
    expect(asked.status).toBe(202);
    const link = await h.linkToken('m4@x.io', 'change', /confirm the change/);
    expect((await h.call('POST', '/api/account/changes/confirm', { body: { token: link } })).status).toBe(200);
    expect(h.preferences).toEqual([
      { coin: 'LTC', pref: { account: address, currency: 'BTC', address: btc, updatedAt: T0 } },
    ]);
  });
});

describe('watcher links', () => {
  it('creates a link shown once, opens it read-only, and closes it when revoked', async () => {
    const token = await signedUpAccount(h, 'w@x.io');
    const made = await h.call('POST', '/api/account/watchers', { token, body: { label: 'host' } });
    expect(made.status).toBe(201);
    const watchToken = made.json.token as string;
    expect(made.json.url).toBe(`http://pool.test/#/watch/${watchToken}`);
    const list = await h.call('GET', '/api/account/watchers', { token });
    expect(list.body).not.toContain(watchToken);
    const view = await h.call('GET', `/api/watch/${watchToken}`);
    expect(view.status).toBe(200);
    expect(view.json).toEqual({ label: 'host', coins: [] });
    expect(view.body).not.toContain('w@x.io');
    const id = (made.json.watcher as { id: string }).id;
    expect((await h.call('DELETE', `/api/account/watchers/${id}`, { token })).status).toBe(200);
    expect((await h.call('GET', `/api/watch/${watchToken}`)).status).toBe(404);
  });
});

describe('the router', () => {
  it('answers 401 without a token and with a bad one, the same way', async () => {
    const none = await h.call('GET', '/api/account/me');
    const bad = await h.call('GET', '/api/account/me', { token: 'forged' });
    expect(none.status).toBe(401);
    expect(bad.body).toBe(none.body);
  });

  it('answers 405 with Allow for a wrong method on a known path, 404 for an unknown path, no-store always', async () => {
    const wrong = await h.call('PUT', '/api/account/me');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET');
    const missing = await h.call('GET', '/api/account/nothing');
    expect(missing.status).toBe(404);
    for (const r of [wrong, missing]) expect(r.headers['cache-control']).toBe('no-store');
  });

  it('answers 400 naming the field for a body that is not what the route takes, without echoing it', async () => {
    const notJson = await h.call('POST', '/api/account/signin', { body: '{nope' });
    expect(notJson.status).toBe(400);
    const extra = await h.call('POST', '/api/account/signin', {
      body: { email: 'a@x.io', password: 'Secret-Pass-1', admin: true },
    });
    expect(extra.status).toBe(400);
    expect(extra.body).not.toContain('Secret-Pass-1');
  });
});
