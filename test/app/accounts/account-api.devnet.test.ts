import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleAccountApi } from '../../../app/accounts/api.js';
import { accountsSchema, type PoolConfig } from '../../../core/config/schema.js';
import { type LocalAccounts, startLocalAccounts } from '../../../local/accounts.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { totpCode } from '../../helpers/fake-identity.js';

const PASSWORD = 'Correct-Horse-9';
const SIGN_UP_PASSWORD = 'Typed-At-Sign-Up-1';
const NEW_PASSWORD = 'Reset-By-Link-2';

/**
 * The account API as local mode wires it (local/accounts.ts): the real cognito-local user pool, the SMTP mailer into
 * the mail sink, the accounts table on dynalite. The links are read from the mails the sink received.
 */
describe('the account API on cognito-local and the mail sink', () => {
  let dir: string;
  let dynamo: Dynamo;
  let local: LocalAccounts;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'accounts-'));
    dynamo = await startDynamo();
    const config = {
      pool: { name: 'devpool' },
      coins: [{ symbol: 'LTC', network: 'regtest', payouts: { minimum: '100000' } }],
      accounts: accountsSchema.parse({ publicUrl: 'http://127.0.0.1:8080' }),
    } as unknown as PoolConfig;
    const started = await startLocalAccounts({
      config,
      dataDir: dir,
      client: dynamo.client,
      money: { listAccountEntries: async () => [] },
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    local = started!;
  }, 60_000);
  afterAll(async () => {
    await local?.stop();
    await dynamo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, opts: { body?: unknown; token?: string } = {}) => {
    const res = await handleAccountApi(
      {
        method,
        path,
        query: new URLSearchParams(),
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
        sourceIp: '127.0.0.1',
      },
      local.deps,
    );
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the answers' fields one by one
    return { ...res, json: JSON.parse(res.body) as Record<string, any> };
  };
  const linkIn = async (email: string, kind: string) => {
    const mail = await local.mailSink.waitFor(email, (m) => m.text.includes(`/#/${kind}/`));
    return new RegExp(`/#/${kind}/([A-Za-z0-9_-]+)`).exec(mail.text)![1]!;
  };
  /** A TOTP code from a later 30 s step than `after` (Cognito refuses a code used once). */
  const nextCode = async (secret: string, after: string) => {
    for (;;) {
      const c = totpCode(secret);
      if (c !== after) return c;
      await new Promise((r) => setTimeout(r, 1000));
    }
  };

  it('signs up, confirms from the mail, enrolls TOTP and changes the threshold with a code and the emailed link', async () => {
    const email = `miner-${Date.now()}@example.com`;
    expect((await call('POST', '/api/account/signup', { body: { email, password: SIGN_UP_PASSWORD } })).status).toBe(
      202,
    );
    // Not confirmed yet: refused like a wrong password.
    const early = { email, password: SIGN_UP_PASSWORD };
    expect((await call('POST', '/api/account/signin', { body: early })).status).toBe(401);
    // The link's holder chooses the password (AdminSetUserPassword): the sign-up's no longer signs in.
    const token0 = await linkIn(email, 'confirm');
    expect((await call('POST', '/api/account/confirm', { body: { token: token0, password: PASSWORD } })).status).toBe(
      200,
    );
    expect((await call('POST', '/api/account/signin', { body: early })).status).toBe(401);
    const first = await call('POST', '/api/account/signin', { body: { email, password: PASSWORD } });
    expect(first.json.kind).toBe('tokens');
    const token = first.json.tokens.accessToken as string;
    expect((await call('GET', '/api/account/me', { token })).json.email).toBe(email);
    // The notification routes are on the same router in local mode (email and webhooks; no bot token locally).
    const notify = await call('GET', '/api/account/notifications', { token });
    expect(notify.status).toBe(200);
    expect(notify.json.available.channels).toEqual(['email', 'webhook']);

    const start = await call('POST', '/api/account/totp/start', { token, body: {} });
    const secret = start.json.secret as string;
    const enrollCode = totpCode(secret);
    const verify = await call('POST', '/api/account/totp/verify', { token, body: { code: enrollCode } });
    expect(verify.status).toBe(200);
    expect(verify.json.recoveryCodes).toHaveLength(10);

    const again = await call('POST', '/api/account/signin', { body: { email, password: PASSWORD } });
    expect(again.json.kind).toBe('totp');
    const signInCode = await nextCode(secret, enrollCode);
    const totp = await call('POST', '/api/account/signin/totp', {
      body: { email, session: again.json.session, code: signInCode },
    });
    expect(totp.status).toBe(200);

    const asked = await call('POST', '/api/account/settings/LTC', {
      token,
      body: { threshold: '250000', password: PASSWORD, totp: await nextCode(secret, signInCode) },
    });
    expect(asked.status).toBe(202);
    const applied = await call('POST', '/api/account/changes/confirm', {
      body: { token: await linkIn(email, 'change') },
    });
    expect(applied.status).toBe(200);
    const me = await call('GET', '/api/account/me', { token });
    expect(me.json.settings.LTC.threshold).toBe('250000');
    expect(me.json.mfa.totp).toBe(true);

    // The phone is lost: a recovery code signs in and turns TOTP off in the user pool.
    const recovered = await call('POST', '/api/account/signin/recovery', {
      body: { email, password: PASSWORD, recoveryCode: verify.json.recoveryCodes[0] },
    });
    expect(recovered.status).toBe(200);
    expect(await local.deps.identity.totpEnabled(email)).toBe(false);
    const plain = await call('POST', '/api/account/signin', { body: { email, password: PASSWORD } });
    expect(plain.json.kind).toBe('tokens');
  }, 180_000);

  it('resets a forgotten password of a TOTP account in the user pool only with a right code', async () => {
    const email = `reset-${Date.now()}@example.com`;
    await call('POST', '/api/account/signup', { body: { email, password: PASSWORD } });
    await call('POST', '/api/account/confirm', { body: { token: await linkIn(email, 'confirm'), password: PASSWORD } });
    const session = (await call('POST', '/api/account/signin', { body: { email, password: PASSWORD } })).json.tokens;
    const token = session.accessToken as string;
    const secret = (await call('POST', '/api/account/totp/start', { token, body: {} })).json.secret as string;
    const enrollCode = totpCode(secret);
    expect((await call('POST', '/api/account/totp/verify', { token, body: { code: enrollCode } })).status).toBe(200);

    /** Asks for a reset link and waits for its mail: the new link's token. */
    const resetLink = async () => {
      const links = () =>
        local.mailSink
          .mails()
          .flatMap((m) => (m.to.includes(email) ? [...m.text.matchAll(/\/#\/reset\/([\w-]+)/g)] : []));
      const before = links().length;
      expect((await call('POST', '/api/account/password/forgot', { body: { email } })).status).toBe(202);
      for (let i = 0; i < 250 && links().length === before; i++) await new Promise((r) => setTimeout(r, 20));
      return links()[before]![1]!;
    };
    const wrong = enrollCode === '000000' ? '111111' : '000000';
    const refused = await call('POST', '/api/account/password/reset', {
      body: { token: await resetLink(), password: NEW_PASSWORD, totp: wrong },
    });
    expect(refused.status).toBe(403);
    // The chosen password was never set (the old one is scrambled until a right code comes).
    expect((await call('POST', '/api/account/signin', { body: { email, password: NEW_PASSWORD } })).status).toBe(401);

    const code = await nextCode(secret, enrollCode);
    const done = await call('POST', '/api/account/password/reset', {
      body: { token: await resetLink(), password: NEW_PASSWORD, totp: code },
    });
    expect(done.status).toBe(200);
    expect((await call('POST', '/api/account/signin', { body: { email, password: PASSWORD } })).status).toBe(401);
    const next = await call('POST', '/api/account/signin', { body: { email, password: NEW_PASSWORD } });
    expect(next.json.kind).toBe('totp'); // TOTP stays on
    // The reset ended the session signed in before it: its access token is refused, its refresh token too.
    expect((await call('GET', '/api/account/me', { token })).status).toBe(401);
    expect((await call('POST', '/api/account/refresh', { body: { refreshToken: session.refreshToken } })).status).toBe(
      401,
    );
    const signedIn = await call('POST', '/api/account/signin/totp', {
      body: { email, session: next.json.session, code: await nextCode(secret, code) },
    });
    expect(signedIn.status).toBe(200);
    const me = await call('GET', '/api/account/me', { token: signedIn.json.tokens.accessToken });
    expect(me.status).toBe(200);
    expect(me.json.email).toBe(email);
  }, 120_000);
});
