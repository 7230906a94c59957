import { beforeEach, describe, expect, it } from 'vitest';
import { accountsSchema } from '../../../core/config/schema.js';
import type { PasskeyJson } from '../../../core/ports/identity.js';
import { type AccountApiHarness, accountApiPerTest, PASSWORD, signedUpAccount } from '../../helpers/account-api.js';
import { FakeIdentity, totpCode } from '../../helpers/fake-identity.js';

/**
 * The passkey routes' rules over the real account store and mail sink, with FakeIdentity standing in for the WebAuthn
 * checks (those are tested against the emulated Cognito in test/adapters/aws/cognito-passkeys.devnet.test.ts).
 */

const harness = accountApiPerTest();
let h: AccountApiHarness;
beforeEach(() => {
  h = harness();
});

const REFUSAL = { error: 'the email or the password is wrong' };
let n = 0;
const newEmail = () => `pk${++n}@example.com`;

/** Adds a passkey (id `pk-<email>`) with the given step-up proof: the final answer. */
async function addPasskey(token: string, proof: Record<string, string>, id = `pk-${token}`) {
  const start = await h.call('POST', '/api/account/passkeys/start', { token, body: proof });
  if (start.status !== 200) return start;
  const credential = FakeIdentity.passkeyAnswer(id, start.json.options as PasskeyJson);
  return h.call('POST', '/api/account/passkeys', { token, body: { credential }, ip: '203.0.113.9' });
}

async function signInWithPasskey(email: string, id: string, ip?: string) {
  const start = await h.call('POST', '/api/account/signin/passkey/start', { body: { email }, ...(ip && { ip }) });
  expect(start.status).toBe(200);
  const { session, options } = start.json as { session: string; options: PasskeyJson };
  const credential = FakeIdentity.passkeyAnswer(id, options);
  return h.call('POST', '/api/account/signin/passkey', { body: { email, session, credential }, ...(ip && { ip }) });
}

async function enrollTotp(token: string): Promise<string> {
  const start = await h.call('POST', '/api/account/totp/start', { token, body: {} });
  const secret = start.json.secret as string;
  expect((await h.call('POST', '/api/account/totp/verify', { token, body: { code: totpCode(secret) } })).status).toBe(
    200,
  );
  return secret;
}

describe('adding a passkey', () => {
  it('needs the password: a wrong one is the sign-in refusal and adds nothing', async () => {
    const email = newEmail();
    const token = await signedUpAccount(h, email);
    const refused = await addPasskey(token, { password: 'Wrong-Password-1' });
    expect(refused.status).toBe(401);
    expect(refused.json).toEqual(REFUSAL);
    expect((await h.call('GET', '/api/account/passkeys', { token })).json).toEqual({ passkeys: [] });
  });

  it('needs the TOTP code too when TOTP is on', async () => {
    const token = await signedUpAccount(h, newEmail());
    const secret = await enrollTotp(token);
    expect((await addPasskey(token, { password: PASSWORD })).status).toBe(401);
    const wrongCode = totpCode(secret) === '000000' ? '111111' : '000000';
    expect((await addPasskey(token, { password: PASSWORD, totp: wrongCode })).status).toBe(401);
    const added = await addPasskey(token, { password: PASSWORD, totp: totpCode(secret) });
    expect(added.status).toBe(201);
    expect(added.json.passkeys).toHaveLength(1);
  });

  it('adds it with the password, logs it with the source IP and mails the account', async () => {
    const email = newEmail();
    const token = await signedUpAccount(h, email);
    const added = await addPasskey(token, { password: PASSWORD }, 'my-phone');
    expect(added.status).toBe(201);
    expect(added.json.passkeys).toEqual([expect.objectContaining({ id: 'my-phone' })]);
    const log = (await h.call('GET', '/api/account/log', { token })).json.entries as Array<Record<string, unknown>>;
    expect(log).toContainEqual(expect.objectContaining({ kind: 'passkey-added', ip: '203.0.113.9' }));
    const mail = await h.sink.waitFor(email, (m) => /passkey was added/.test(m.subject));
    expect(mail.text).toContain('203.0.113.9');
  });

  it('refuses a completion without a started registration', async () => {
    const token = await signedUpAccount(h, newEmail());
    const credential = { id: 'x', challenge: 'made-up' };
    const res = await h.call('POST', '/api/account/passkeys', { token, body: { credential } });
    expect(res.status).toBe(400);
    expect((await h.call('GET', '/api/account/passkeys', { token })).json).toEqual({ passkeys: [] });
  });
});

describe('passkey sign-in', () => {
  it('signs in without the password, with tokens that open the account', async () => {
    const email = newEmail();
    const token = await signedUpAccount(h, email);
    await addPasskey(token, { password: PASSWORD }, 'laptop');
    const res = await signInWithPasskey(email, 'laptop');
    expect(res.status).toBe(200);
    const tokens = res.json.tokens as { accessToken: string };
    expect((await h.call('GET', '/api/account/me', { token: tokens.accessToken })).json.email).toBe(email);
  });

  it('answers the first step alike for an email with a passkey, without one, unknown or malformed', async () => {
    const withPasskey = newEmail();
    await addPasskey(await signedUpAccount(h, withPasskey), { password: PASSWORD });
    const without = newEmail();
    await signedUpAccount(h, without);
    const locked = newEmail();
    await addPasskey(await signedUpAccount(h, locked), { password: PASSWORD });
    for (let i = 0; i < 5; i++)
      await h.call('POST', '/api/account/signin', { body: { email: locked, password: 'Wrong-Password-1' } });
    const shapes = [];
    const sessionLengths = new Set<number>();
    for (const email of [withPasskey, without, 'nobody@example.com', locked, 'not an email']) {
      const res = await h.call('POST', '/api/account/signin/passkey/start', { body: { email } });
      expect(res.status).toBe(200);
      const { session, options } = res.json as { session: string; options: Record<string, unknown> };
      expect(session).toEqual(expect.any(String));
      expect(options).toEqual({
        challenge: expect.any(String),
        rpId: 'pool.test',
        timeout: 180_000,
        userVerification: 'required',
        allowCredentials: [],
      });
      shapes.push(Object.keys(res.json).sort().join());
      // The identity provider's own session format for every possible email (only a malformed one gets ours).
      if (email !== 'not an email') sessionLengths.add(session.length);
    }
    expect(new Set(shapes).size).toBe(1);
    expect(sessionLengths.size).toBe(1);
  });

  it('refuses a wrong passkey with the password sign-in refusal, and counts it toward the lockout', async () => {
    const email = newEmail();
    await addPasskey(await signedUpAccount(h, email), { password: PASSWORD }, 'right');
    for (let i = 0; i < 5; i++) {
      const wrong = await signInWithPasskey(email, 'someone-elses');
      expect(wrong.status).toBe(401);
      expect(wrong.json).toEqual(REFUSAL);
    }
    // Locked: the right passkey is refused alike, and so is the password.
    expect((await signInWithPasskey(email, 'right')).json).toEqual(REFUSAL);
    expect((await h.call('POST', '/api/account/signin', { body: { email, password: PASSWORD } })).status).toBe(401);
    h.clock.now += 31 * 60_000;
    expect((await signInWithPasskey(email, 'right')).status).toBe(200);
  });

  it('is locked by failed password sign-ins of the same email', async () => {
    const email = newEmail();
    await addPasskey(await signedUpAccount(h, email), { password: PASSWORD }, 'right');
    for (let i = 0; i < 5; i++)
      await h.call('POST', '/api/account/signin', { body: { email, password: 'Wrong-Password-1' } });
    expect((await signInWithPasskey(email, 'right')).json).toEqual(REFUSAL);
  });

  it('counts both steps toward the per-IP limit: 429 with Retry-After', async () => {
    h.deps.accounts = accountsSchema.parse({ publicUrl: 'http://pool.test', signIn: { perIpPerHour: 3 } });
    const ip = '192.0.2.44';
    const body = { email: 'a@example.com' };
    for (let i = 0; i < 3; i++)
      expect((await h.call('POST', '/api/account/signin/passkey/start', { body, ip })).status).toBe(200);
    const limited = await h.call('POST', '/api/account/signin/passkey/start', { body, ip });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const answer = { email: 'a@example.com', session: 's', credential: { id: 'x' } };
    expect((await h.call('POST', '/api/account/signin/passkey', { body: answer, ip })).status).toBe(429);
  });
});

describe('removing a passkey', () => {
  it('needs the password, then removes it, logs and mails it, and the passkey no longer signs in', async () => {
    const email = newEmail();
    const token = await signedUpAccount(h, email);
    await addPasskey(token, { password: PASSWORD }, 'lost-phone');
    const path = '/api/account/passkeys/lost-phone';
    expect((await h.call('DELETE', path, { token })).status).toBe(400); // no proof at all
    const wrong = await h.call('DELETE', path, { token, body: { password: 'Wrong-Password-1' } });
    expect(wrong.status).toBe(401);
    expect((await h.call('GET', '/api/account/passkeys', { token })).json.passkeys).toHaveLength(1);

    const removed = await h.call('DELETE', path, { token, body: { password: PASSWORD }, ip: '203.0.113.50' });
    expect(removed.json).toEqual({ removed: true });
    expect((await h.call('GET', '/api/account/passkeys', { token })).json).toEqual({ passkeys: [] });
    const log = (await h.call('GET', '/api/account/log', { token })).json.entries as Array<Record<string, unknown>>;
    expect(log).toContainEqual(expect.objectContaining({ kind: 'passkey-removed', ip: '203.0.113.50' }));
    await h.sink.waitFor(email, (m) => /passkey was removed/.test(m.subject));
    expect((await signInWithPasskey(email, 'lost-phone')).json).toEqual(REFUSAL);
    expect((await h.call('DELETE', path, { token, body: { password: PASSWORD } })).status).toBe(404);
  });

  it('is signed-in only: no token is 401 on every passkey route', async () => {
    for (const [method, path] of [
      ['GET', '/api/account/passkeys'],
      ['POST', '/api/account/passkeys/start'],
      ['POST', '/api/account/passkeys'],
      ['DELETE', '/api/account/passkeys/any'],
    ] as const) {
      expect((await h.call(method, path, { body: {} })).status).toBe(401);
    }
  });
});
