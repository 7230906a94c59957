import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { DynamoAccountStore } from '../../adapters/aws/dynamo-account-store.js';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { ensureAccountsTable } from '../../adapters/aws/tables.js';
import { SmtpMailer } from '../../adapters/mail/smtp-mailer.js';
import { handleAccountApi } from '../../app/accounts/api.js';
import type { AccountApiDeps } from '../../app/accounts/deps.js';
import type { AccountResponse } from '../../app/accounts/route.js';
import { accountsSchema } from '../../core/config/schema.js';
import type { ConversionPreference } from '../../core/ports/conversion-store.js';
import type { IdentityProvider } from '../../core/ports/identity.js';
import { type MailSink, startMailSink } from '../../local/mail-sink.js';
import { type Dynamo, startDynamo } from './dynamo.js';
import { FakeIdentity } from './fake-identity.js';

export const T0 = 1_700_000_000_000;
let prefixes = 0;

/**
 * The account API over the real DynamoAccountStore (dynalite), the SMTP mailer delivering to the mail sink, and the
 * identity provider given (FakeIdentity in unit tests, cognito-local in the integration ones); an injected clock.
 */
export async function startAccountApi(dynamo: Dynamo, identity: IdentityProvider, over: Partial<AccountApiDeps> = {}) {
  const sink = await startMailSink();
  const table = await ensureAccountsTable(dynamo.client, `accapi${prefixes++}`);
  const store = new DynamoAccountStore(createDocumentClient(dynamo.client), table);
  const clock = { now: T0 };
  const preferences: Array<{ coin: string; pref: ConversionPreference }> = [];
  const logs: unknown[] = [];
  const deps: AccountApiDeps = {
    pool: { name: 'testpool' },
    accounts: accountsSchema.parse({ publicUrl: 'http://pool.test', signIn: { perIpPerHour: 1000 } }),
    coins: new Map([
      [
        'LTC',
        {
          symbol: 'LTC',
          network: 'regtest',
          payouts: { minimum: '1000000' },
          conversion: { targets: [{ currency: 'BTC' }] },
        },
      ],
    ]),
    store,
    identity,
    mailer: new SmtpMailer({ host: sink.host, port: sink.port, from: 'pool@pool.test' }),
    conversion: {
      async replacePreference(coin, pref) {
        preferences.push({ coin, pref });
        return true;
      },
    },
    now: () => clock.now,
    log: { info: (o) => logs.push(o), warn: (o) => logs.push(o) },
    ...over,
  };
  const call = async (
    method: string,
    path: string,
    opts: { body?: unknown; token?: string; ip?: string } = {},
  ): Promise<AccountResponse & { json: Record<string, unknown> }> => {
    const res = await handleAccountApi(
      {
        method,
        path,
        query: new URLSearchParams(path.split('?')[1] ?? ''),
        headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
        ...(opts.body === undefined
          ? {}
          : { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }),
        sourceIp: opts.ip ?? '198.51.100.7',
      },
      deps,
    );
    return { ...res, json: JSON.parse(res.body) };
  };
  /** The token of the newest link `#/<kind>/<token>` mailed to `to` whose subject matches. */
  const linkToken = async (to: string, kind: 'confirm' | 'change' | 'reset', subject: RegExp) => {
    const mail = await sink.waitFor(to, (m) => subject.test(m.subject) && m.text.includes(`/#/${kind}/`));
    const m = new RegExp(`/#/${kind}/([A-Za-z0-9_-]+)`).exec(mail.text);
    if (!m) throw new Error(`no ${kind} link in ${mail.text}`);
    return m[1]!;
  };
  return { deps, store, sink, clock, call, linkToken, preferences, logs, close: () => sink.stop() };
}

export type AccountApiHarness = Awaited<ReturnType<typeof startAccountApi>>;

/**
 * A test file's hooks for the account API on FakeIdentity: one dynalite for the file; a fresh table, mail sink and
 * identity provider for each test (deps `over` as startAccountApi). `h()` is the running test's harness, with its
 * FakeIdentity.
 */
export function accountApiPerTest(
  over: Partial<AccountApiDeps> = {},
): () => AccountApiHarness & { identity: FakeIdentity } {
  let dynamo: Dynamo;
  let h: AccountApiHarness & { identity: FakeIdentity };
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(() => dynamo.close());
  beforeEach(async () => {
    const identity = new FakeIdentity();
    h = { ...(await startAccountApi(dynamo, identity, over)), identity };
  });
  afterEach(() => h.close());
  return () => h;
}

export const PASSWORD = 'Correct-Horse-9';

/**
 * Signs up `email` (with `referralCode` when given), follows the mailed link choosing PASSWORD, and signs in (no
 * TOTP): the access token.
 */
export async function signedUpAccount(
  h: AccountApiHarness,
  email: string,
  sink: MailSink = h.sink,
  referralCode?: string,
): Promise<string> {
  const body = { email, password: PASSWORD, ...(referralCode === undefined ? {} : { referralCode }) };
  expect((await h.call('POST', '/api/account/signup', { body })).status).toBe(202);
  const mail = await sink.waitFor(email, (m) => m.text.includes('/#/confirm/'));
  const token = /\/#\/confirm\/([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
  expect((await h.call('POST', '/api/account/confirm', { body: { token, password: PASSWORD } })).status).toBe(200);
  const signIn = await h.call('POST', '/api/account/signin', { body: { email, password: PASSWORD } });
  expect(signIn.json.kind).toBe('tokens');
  return (signIn.json.tokens as { accessToken: string }).accessToken;
}
