import { beforeEach, describe, expect, it } from 'vitest';
import { RESET_MAILS_PER_EMAIL_PER_HOUR } from '../../../app/accounts/password.js';
import { type AccountApiHarness, accountApiPerTest, PASSWORD, signedUpAccount, T0 } from '../../helpers/account-api.js';
import { totpCode } from '../../helpers/fake-identity.js';

/**
 * Who decides an account's password (issue 19): the holder of its mailbox, through the emailed links. Confirmation
 * sets the password; a forgotten one is reset by a single-use link (plus the TOTP code when TOTP is on).
 */

const harness = accountApiPerTest();
let h: AccountApiHarness;
beforeEach(() => {
  h = harness();
});

const SQUATTER = 'Squatter-Pass-1';
const OWNER = 'Owners-Choice-2';

const signIn = (email: string, password: string) =>
  h.call('POST', '/api/account/signin', { body: { email, password } });

/** Every `#/<kind>/<token>` link mailed to `to` so far, oldest first. */
const linksTo = (to: string, kind: 'confirm' | 'reset') =>
  h.sink
    .mails()
    .filter((m) => m.to.includes(to))
    .flatMap((m) => [...m.text.matchAll(new RegExp(`/#/${kind}/([A-Za-z0-9_-]+)`, 'g'))].map((x) => x[1]!));

/** The account's newest log entry of `kind` (entries written in the same millisecond have no order). */
async function logged(email: string, kind: string) {
  const account = (await h.store.accountByEmail(email))!;
  return (await h.store.listLog(account, 50)).find((e) => e.kind === kind);
}

async function waitForLinks(to: string, kind: 'confirm' | 'reset', n: number): Promise<string[]> {
  for (let i = 0; i < 100 && linksTo(to, kind).length < n; i++) await new Promise((r) => setTimeout(r, 20));
  const links = linksTo(to, kind);
  expect(links).toHaveLength(n);
  return links;
}

describe('confirmation sets the password', () => {
  it('gives the mailbox owner the password even when a squatter signed up first with the address', async () => {
    await h.call('POST', '/api/account/signup', { body: { email: 'own@x.io', password: SQUATTER } });
    await h.call('POST', '/api/account/signup', { body: { email: 'own@x.io', password: OWNER } });
    const [first, fresh] = await waitForLinks('own@x.io', 'confirm', 2);
    const again = await h.sink.waitFor('own@x.io', (m) => /someone tried/.test(m.subject));
    expect(again.text).toContain('choose its password');
    expect(again.text).not.toContain(OWNER);

    const confirmed = await h.call('POST', '/api/account/confirm', { body: { token: fresh, password: OWNER } });
    expect(confirmed.status).toBe(200);
    expect((await signIn('own@x.io', SQUATTER)).status).toBe(401);
    expect((await signIn('own@x.io', OWNER)).status).toBe(200);
    // The first sign-up's link, still unexpired, cannot set a password on the confirmed account.
    const stale = await h.call('POST', '/api/account/confirm', { body: { token: first, password: SQUATTER } });
    expect(stale.status).toBe(400);
    expect((await signIn('own@x.io', SQUATTER)).status).toBe(401);
    expect((await signIn('own@x.io', OWNER)).status).toBe(200);
  });

  it('sets the password typed at confirmation, not the sign-up one', async () => {
    await h.call('POST', '/api/account/signup', { body: { email: 'p@x.io', password: PASSWORD } });
    const token = await h.linkToken('p@x.io', 'confirm', /confirm your account/);
    expect((await h.call('POST', '/api/account/confirm', { body: { token, password: OWNER } })).status).toBe(200);
    expect((await signIn('p@x.io', PASSWORD)).status).toBe(401);
    expect((await signIn('p@x.io', OWNER)).status).toBe(200);
    expect(await logged('p@x.io', 'email-confirmed')).toMatchObject({ source: 'email' });
  });

  it('refuses a weak or missing password at confirmation and keeps the link usable', async () => {
    await h.call('POST', '/api/account/signup', { body: { email: 'w@x.io', password: PASSWORD } });
    const token = await h.linkToken('w@x.io', 'confirm', /confirm your account/);
    const weak = await h.call('POST', '/api/account/confirm', { body: { token, password: 'short' } });
    expect(weak.status).toBe(400);
    expect(weak.body).not.toContain('short');
    expect((await h.call('POST', '/api/account/confirm', { body: { token } })).status).toBe(400);
    expect((await signIn('w@x.io', PASSWORD)).status).toBe(401);
    expect((await h.call('POST', '/api/account/confirm', { body: { token, password: OWNER } })).status).toBe(200);
    expect((await h.call('POST', '/api/account/confirm', { body: { token, password: OWNER } })).status).toBe(400);
  });

  it('mails the reset page, not a confirmation link, when a confirmed address signs up again', async () => {
    await signedUpAccount(h, 'c@x.io');
    await h.call('POST', '/api/account/signup', { body: { email: 'c@x.io', password: SQUATTER } });
    const tried = await h.sink.waitFor('c@x.io', (m) => /someone tried/.test(m.subject));
    expect(tried.text).toContain('http://pool.test/#/forgot');
    expect(linksTo('c@x.io', 'confirm')).toHaveLength(1); // the first sign-up's only
    expect((await signIn('c@x.io', PASSWORD)).status).toBe(200);
  });
});

describe('forgotten password', () => {
  const forgot = (email: string, ip?: string) =>
    h.call('POST', '/api/account/password/forgot', { body: { email }, ...(ip ? { ip } : {}) });
  const reset = (body: Record<string, unknown>, ip?: string) =>
    h.call('POST', '/api/account/password/reset', { body, ...(ip ? { ip } : {}) });

  it('answers the same for a confirmed, an unconfirmed, an unknown and a malformed email, and mails only the confirmed one', async () => {
    await signedUpAccount(h, 'known@x.io');
    await h.call('POST', '/api/account/signup', { body: { email: 'pending@x.io', password: PASSWORD } });
    const answers = await Promise.all(
      ['known@x.io', 'pending@x.io', 'nobody@x.io', 'not-an-email'].map((e) => forgot(e)),
    );
    for (const a of answers) {
      expect(a.status).toBe(202);
      expect(a.body).toBe(answers[0]!.body);
    }
    await waitForLinks('known@x.io', 'reset', 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(linksTo('pending@x.io', 'reset')).toEqual([]);
    expect(h.sink.mails().filter((m) => m.to.includes('nobody@x.io'))).toEqual([]);
  });

  it('sets the new password with the link once, logs it with the IP and mails a notice', async () => {
    await signedUpAccount(h, 'r@x.io');
    await forgot('r@x.io');
    const [token] = await waitForLinks('r@x.io', 'reset', 1);
    const done = await reset({ token, password: OWNER }, '203.0.113.9');
    expect(done.status).toBe(200);
    expect(done.body).not.toContain(OWNER);
    expect((await signIn('r@x.io', PASSWORD)).status).toBe(401);
    expect((await signIn('r@x.io', OWNER)).status).toBe(200);
    expect((await reset({ token, password: SQUATTER })).status).toBe(400);
    expect((await signIn('r@x.io', OWNER)).status).toBe(200);
    expect(await logged('r@x.io', 'password-reset')).toMatchObject({ at: T0, ip: '203.0.113.9', source: 'email' });
    const notice = await h.sink.waitFor('r@x.io', (m) => /password was reset/.test(m.subject));
    expect(notice.text).toContain('203.0.113.9');
    expect(notice.text).toContain('signed out');
    expect(notice.text).not.toContain(OWNER);
  });

  it('ends every session: the tokens of a sign-in before the reset are refused, a fresh sign-in works', async () => {
    await signedUpAccount(h, 's@x.io');
    const before = (await signIn('s@x.io', PASSWORD)).json.tokens as { accessToken: string; refreshToken: string };
    expect((await h.call('GET', '/api/account/me', { token: before.accessToken })).status).toBe(200);
    await forgot('s@x.io');
    const [token] = await waitForLinks('s@x.io', 'reset', 1);
    expect((await reset({ token, password: OWNER })).status).toBe(200);

    expect((await h.call('GET', '/api/account/me', { token: before.accessToken })).status).toBe(401);
    expect((await h.call('GET', '/api/account/log', { token: before.accessToken })).status).toBe(401);
    const refreshed = await h.call('POST', '/api/account/refresh', { body: { refreshToken: before.refreshToken } });
    expect(refreshed.status).toBe(401);
    const after = (await signIn('s@x.io', OWNER)).json.tokens as { accessToken: string };
    const me = await h.call('GET', '/api/account/me', { token: after.accessToken });
    expect(me.status).toBe(200);
    expect(me.json.email).toBe('s@x.io');
  });

  it('refuses an expired link, a confirmation link and a weak password (keeping the link)', async () => {
    await signedUpAccount(h, 'e@x.io');
    const confirmLink = linksTo('e@x.io', 'confirm')[0]!;
    await forgot('e@x.io');
    const [token] = await waitForLinks('e@x.io', 'reset', 1);
    expect((await reset({ token: confirmLink, password: OWNER })).status).toBe(400);
    expect((await reset({ token, password: 'weakweakweak' })).status).toBe(400);
    h.clock.now = T0 + 61 * 60_000;
    expect((await reset({ token, password: OWNER })).status).toBe(400);
    expect((await signIn('e@x.io', PASSWORD)).status).toBe(200);
  });

  it(`mails one address at most ${RESET_MAILS_PER_EMAIL_PER_HOUR} times an hour, and limits each IP like sign-in`, async () => {
    await signedUpAccount(h, 'flood@x.io');
    for (let i = 0; i < RESET_MAILS_PER_EMAIL_PER_HOUR + 2; i++) {
      expect((await forgot('flood@x.io', `198.51.100.${i + 20}`)).status).toBe(202);
    }
    await waitForLinks('flood@x.io', 'reset', RESET_MAILS_PER_EMAIL_PER_HOUR);
    await new Promise((r) => setTimeout(r, 200));
    expect(linksTo('flood@x.io', 'reset')).toHaveLength(RESET_MAILS_PER_EMAIL_PER_HOUR);
    h.clock.now = T0 + 3_600_000;
    await forgot('flood@x.io');
    await waitForLinks('flood@x.io', 'reset', RESET_MAILS_PER_EMAIL_PER_HOUR + 1);

    h.deps.accounts = { ...h.deps.accounts, signIn: { ...h.deps.accounts.signIn, perIpPerHour: 2 } };
    await forgot('a@x.io', '203.0.113.50');
    await reset({ token: 'x'.repeat(43), password: OWNER }, '203.0.113.50');
    const over = await forgot('b@x.io', '203.0.113.50');
    expect(over.status).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect((await reset({ token: 'x'.repeat(43), password: OWNER }, '203.0.113.50')).status).toBe(429);
  });
});

describe('forgotten password with TOTP on', () => {
  async function withTotp(email: string) {
    const access = await signedUpAccount(h, email);
    const start = await h.call('POST', '/api/account/totp/start', { token: access, body: {} });
    const secret = start.json.secret as string;
    const verify = await h.call('POST', '/api/account/totp/verify', {
      token: access,
      body: { code: totpCode(secret) },
    });
    return { secret, recoveryCodes: verify.json.recoveryCodes as string[] };
  }
  const reset = (body: Record<string, unknown>) => h.call('POST', '/api/account/password/reset', { body });
  async function resetLink(email: string, n: number) {
    await h.call('POST', '/api/account/password/forgot', { body: { email } });
    return (await waitForLinks(email, 'reset', n))[n - 1]!;
  }
  const totpSignIn = async (email: string, password: string, secret: string) => {
    const first = await signIn(email, password);
    if (first.json.kind !== 'totp') return first.status;
    const session = first.json.session as string;
    return (await h.call('POST', '/api/account/signin/totp', { body: { email, session, code: totpCode(secret) } }))
      .status;
  };

  it('asks for the code without using the link up, then resets with a current code', async () => {
    const { secret } = await withTotp('t@x.io');
    const token = await resetLink('t@x.io', 1);
    const bare = await reset({ token, password: OWNER });
    expect(bare.status).toBe(400);
    expect(bare.json.error).toMatch(/two-factor/);
    expect((await reset({ token, password: OWNER, totp: totpCode(secret) })).status).toBe(200);
    expect(await totpSignIn('t@x.io', OWNER, secret)).toBe(200);
    expect(await logged('t@x.io', 'password-reset')).toMatchObject({ source: 'totp+email' });
  });

  it('refuses a wrong code: the link is used up, the chosen password is not set, and failures lock the email', async () => {
    const { secret } = await withTotp('x@x.io');
    h.deps.accounts = {
      ...h.deps.accounts,
      signIn: { ...h.deps.accounts.signIn, maxFailures: 3, lockoutMinutes: 120 },
    };
    const wrong = totpCode(secret) === '000000' ? '111111' : '000000';
    for (let i = 1; i <= 3; i++) {
      const token = await resetLink('x@x.io', i);
      expect((await reset({ token, password: SQUATTER, totp: wrong })).status).toBe(403);
      expect((await reset({ token, password: SQUATTER, totp: totpCode(secret) })).status).toBe(400);
    }
    expect((await signIn('x@x.io', SQUATTER)).status).toBe(401);
    // maxFailures reached: the email is locked, a right code is refused too until the lock ends.
    h.clock.now = T0 + 3_600_000; // a fresh hour of reset mails, within the lock
    const token = await resetLink('x@x.io', 4);
    expect((await reset({ token, password: OWNER, totp: totpCode(secret) })).status).toBe(403);
    expect((await signIn('x@x.io', OWNER)).status).toBe(401);
    h.clock.now = T0 + 5 * 3_600_000; // two lock windows later
    const later = await resetLink('x@x.io', 5);
    expect((await reset({ token: later, password: OWNER, totp: totpCode(secret) })).status).toBe(200);
    expect(await totpSignIn('x@x.io', OWNER, secret)).toBe(200);
  });

  it('takes a recovery code instead of the code, once', async () => {
    const { secret, recoveryCodes } = await withTotp('rc@x.io');
    const token = await resetLink('rc@x.io', 1);
    const ok = await reset({ token, password: OWNER, recoveryCode: recoveryCodes[0] });
    expect(ok.status).toBe(200);
    const account = (await h.store.accountByEmail('rc@x.io'))!;
    expect(await h.store.recoveryCodesLeft(account)).toBe(recoveryCodes.length - 1);
    expect(await logged('rc@x.io', 'password-reset')).toMatchObject({ source: 'recovery-code' });
    expect(await totpSignIn('rc@x.io', OWNER, secret)).toBe(200);
    const again = await resetLink('rc@x.io', 2);
    expect((await reset({ token: again, password: SQUATTER, recoveryCode: recoveryCodes[0] })).status).toBe(403);
  });
});
