import { join } from 'node:path';
import type { Browser, Page, Request, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minerSchema } from '../../app/stats/schema.js';
import { coins } from '../../web/src/format.js';
import { ARTIFACTS, expectFitsPhone, PHONE } from '../helpers/browser.js';
import { serveDashboard } from '../helpers/dashboard-server.js';

// biome-ignore lint/suspicious/noExplicitAny: API answers as the account API sends them (docs/accounts.md)
type Json = Record<string, any>;

/** A stubbed API answer: status, JSON body, extra headers. */
type Answer = [number, Json, Record<string, string>?];

/** Markup a miner could put in a label: shown as these characters, never run. */
const HOSTILE = {
  label: '<img src=x onerror="window.__xss=1">rig group',
  watcher: '<script>window.__xss=2</script>family',
  detail: '<b onmouseover="window.__xss=3">threshold 0.5 LTC</b>',
};
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
/** In the page: how many shades of red the canvas holds (a drawn QR code has dark and light modules). */
const DISTINCT_SHADES = `(c) => {
  if (c.width === 0) return 0;
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const shades = new Set();
  for (let i = 0; i < px.length; i += 4) shades.add(px[i]);
  return shades.size;
}`;
const ADDRESS = 'rltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9';

const me = (totp: boolean): Json => ({
  id: 'sub-1',
  email: 'miner@example.com',
  createdAt: 1_700_000_000_000,
  mfa: { totp, recoveryCodesLeft: totp ? 10 : 0 },
  identities: [{ coin: 'LTC', address: ADDRESS, label: HOSTILE.label, addedAt: 1_700_000_000_000 }],
  settings: {
    LTC: { threshold: '10000000', bounds: { min: '1000000', max: '1000000000' }, currencies: [] },
  },
  referral: {
    code: 'ABCD1234',
    link: 'http://127.0.0.1/#/signup?ref=ABCD1234',
    earnings: { LTC: '12345' },
    referredAccounts: 3,
  },
  referredBy: null,
  sign: { identityMessage: 'edgepool account sub-1: add <coin> address <address> at <time>' },
});

/** A miner page as the stats API answers it (checked against its schema), with these referral earnings and rewards. */
const minerPage = (referrals: { immature: string; confirmed: string }, rewards: Json[]): Json =>
  minerSchema.parse({
    coin: 'LTC',
    address: ADDRESS,
    hashrate: { '10m': 0, '3h': 0 },
    hashrateHistory: [],
    shares: { shares: 0, difficulty: 0 },
    workers: [],
    balance: { immature: referrals.immature, confirmed: referrals.confirmed, pending: '0', paid: '0' },
    rewards,
    payments: [],
    merged: [],
    switching: [],
    referrals,
  });

/**
 * The account pages in Debian Chromium against the account API's documented answers (docs/accounts.md), served by
 * the browser's request interception: what the page does with hostile text, where the tokens go, what it keeps,
 * and how the pages fit a 360 px phone. (test/e2e/account-flow.e2e.test.ts runs the same pages against the real API.)
 */
describe('account pages in a real browser', () => {
  let browser: Browser;
  let base: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ base, browser, close } = await serveDashboard(async () => false));
  }, 60_000);
  afterAll(async () => close?.());

  /** A page whose /api answers come from `answers` (method + path → status, body); every request is recorded. */
  async function stubbed(
    answers: Record<string, (req: Request) => Answer>,
    viewport = { width: 1200, height: 900 },
  ): Promise<{ page: Page; requests: Request[] }> {
    const page = await browser.newPage({ viewport });
    const requests: Request[] = [];
    await page.route('**/api/**', async (route: Route) => {
      const req = route.request();
      requests.push(req);
      const key = `${req.method()} ${new URL(req.url()).pathname}`;
      const answer =
        answers[key] ?? (key === 'GET /api/pools' ? () => [200, { coins: [{ coin: 'LTC', decimals: 8 }] }] : undefined);
      const [status, body, headers] = answer ? answer(req) : [404, { error: `no API route ${key}` }];
      await route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body), headers });
    });
    return { page, requests };
  }

  const signedInAnswers = (totp: boolean): Record<string, (req: Request) => Answer> => ({
    'POST /api/account/signin': () => [
      200,
      {
        kind: 'tokens',
        tokens: { accessToken: 'ACCESS-1', idToken: 'ID-1', refreshToken: 'REFRESH-1', expiresInSeconds: 3600 },
      },
    ],
    'GET /api/account/me': () => [200, me(totp)],
    'GET /api/account/log': () => [
      200,
      {
        entries: [
          {
            at: 1_700_000_100_000,
            ip: '203.0.113.7',
            kind: 'payout-settings',
            detail: HOSTILE.detail,
            source: 'totp+email',
          },
        ],
      },
    ],
    'GET /api/account/watchers': () => [
      200,
      { watchers: [{ id: 'w1', label: HOSTILE.watcher, createdAt: 1_700_000_000_000 }] },
    ],
    'GET /api/account/notifications': () => [
      200,
      {
        events: { 'payout-sent': ['email'] },
        workerOfflineMinutes: 15,
        hashrateDropPercent: 50,
        quietHours: null,
        telegram: { linked: false, bot: 'edgepool_bot' },
        webhook: null,
        available: { events: [], channels: ['email', 'telegram', 'webhook'] },
      },
    ],
  });

  async function signIn(page: Page): Promise<void> {
    await page.goto(`${base}/#/signin`);
    await page.getByLabel('Email').fill('miner@example.com');
    await page.getByLabel('Password').fill('Correct-horse-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('account-email').waitFor();
  }

  it('shows miner text (labels, change log, watcher names) as text: markup in it is neither parsed nor run', async () => {
    const { page } = await stubbed(signedInAnswers(true));
    await signIn(page);
    expect(await page.getByTestId('identity-label').textContent()).toBe(HOSTILE.label);
    expect(await page.getByTestId('log-detail').textContent()).toBe(HOSTILE.detail);
    expect(await page.getByTestId('watcher-label').textContent()).toBe(HOSTILE.watcher);
    // No element came out of the text: no <img>, <script> or <b> anywhere in the page's view.
    expect(await page.locator('#view img, #view script, #view b[onmouseover]').count()).toBe(0);
    await page.getByTestId('log-detail').hover();
    expect(await page.evaluate<unknown>('window.__xss')).toBeUndefined();
    await page.close();
  });

  it('shows a refused sign-in and a rate limit in the API’s words, with the wait it asks for', async () => {
    let attempts = 0;
    const { page } = await stubbed({
      'POST /api/account/signin': () =>
        ++attempts === 1
          ? [401, { error: 'the email or the password is wrong' }]
          : [429, { error: 'too many attempts from this address: try again later' }, { 'retry-after': '120' }],
    });
    await page.goto(`${base}/#/signin`);
    await page.getByLabel('Email').fill('miner@example.com');
    await page.getByLabel('Password').fill('Wrong-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('signin-status').textContent()).toBe('the email or the password is wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.getByTestId('signin-status').textContent())
      .toBe('too many attempts from this address: try again later (try again in 120 s)');
    // Still on the sign-in page, signed out.
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    await page.close();
  });

  it('sends the access token only in the Authorization header, sets no cookie and keeps the refresh token out of storage', async () => {
    let meCalls = 0;
    const answers = signedInAnswers(true);
    const { page, requests } = await stubbed({
      ...answers,
      // The first token has expired by the time /me is asked: the page refreshes once and asks again.
      'GET /api/account/me': (req) => {
        meCalls++;
        return req.headers().authorization === 'Bearer ACCESS-2' ? [200, me(true)] : [401, { error: 'sign in first' }];
      },
      'POST /api/account/refresh': (req) =>
        JSON.parse(req.postData()!).refreshToken === 'REFRESH-1'
          ? [200, { tokens: { accessToken: 'ACCESS-2', idToken: 'ID-2', expiresInSeconds: 3600 } }]
          : [401, { error: 'sign in first' }],
    });
    await signIn(page);
    expect(meCalls).toBe(2);
    const signedInCalls = requests.filter((r) => /\/api\/account\/(me|log|watchers|notifications)/.test(r.url()));
    expect(signedInCalls.length).toBeGreaterThanOrEqual(4);
    for (const r of signedInCalls) {
      expect(r.headers().authorization, r.url()).toMatch(/^Bearer ACCESS-[12]$/);
      expect(r.url()).not.toContain('ACCESS');
      expect(r.headers().cookie).toBeUndefined();
    }
    expect(await page.context().cookies()).toEqual([]);
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
    expect(stored).toContain('ACCESS-2');
    expect(stored).not.toContain('REFRESH-1');
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    // Signing out forgets the access token too.
    await page.getByTestId('signout').click();
    await page.waitForURL(/#\/signin$/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.close();
  });

  it('enrolls TOTP with a QR code drawn in the page, the secret as text and never logged, then shows the recovery codes once', async () => {
    const codes = Array.from({ length: 10 }, (_, i) => `code-${i}-xyz`);
    const { page, requests } = await stubbed({
      ...signedInAnswers(false),
      'POST /api/account/totp/start': () => [
        200,
        { secret: SECRET, otpauthUri: `otpauth://totp/edgepool:miner%40example.com?secret=${SECRET}&issuer=edgepool` },
      ],
      'POST /api/account/totp/verify': (req) =>
        JSON.parse(req.postData()!).code === '123456'
          ? [200, { recoveryCodes: codes }]
          : [400, { error: 'wrong code' }],
    });
    const console: string[] = [];
    page.on('console', (m) => console.push(m.text()));
    await signIn(page);
    await page.getByTestId('totp-start').click();
    expect(await page.getByTestId('totp-secret').textContent()).toBe(SECRET);
    // The QR code is drawn on the canvas: dark and light modules.
    await expect
      .poll(() => page.evaluate<number>(`(${DISTINCT_SHADES})(document.querySelector('[data-testid=totp-qr]'))`))
      .toBeGreaterThanOrEqual(2);
    // No request carried the secret anywhere (a QR service, an analytics call): only the API's own answer had it.
    for (const r of requests) expect(`${r.url()} ${r.postData() ?? ''}`).not.toContain(SECRET);
    await page.getByLabel('The 6-digit code your app shows now').fill('654321');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await expect.poll(() => page.getByTestId('totp-verify-status').textContent()).toBe('wrong code');
    await page.getByLabel('The 6-digit code your app shows now').fill('123456');
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByTestId('recovery-codes').waitFor();
    expect(await page.getByTestId('recovery-code').allTextContents()).toEqual(codes);
    expect(console.join('\n')).not.toContain(SECRET);
    await page.screenshot({ path: join(ARTIFACTS, 'account-totp.png'), fullPage: true });
    await page.close();
  });

  it('asks for a threshold change with the exact base units, the password and the code; the emailed link applies it only on a click', async () => {
    const bodies: Json[] = [];
    const { page, requests } = await stubbed({
      ...signedInAnswers(true),
      'POST /api/account/settings/LTC': (req) => {
        bodies.push(JSON.parse(req.postData()!));
        return [202, { pending: true, expiresAt: Date.now() + 30 * 60_000 }];
      },
      'POST /api/account/changes/confirm': () => [200, { coin: 'LTC', settings: { threshold: '50000000' } }],
    });
    await signIn(page);
    const form = page.getByTestId('settings-form-LTC');
    await form.getByLabel(/^Threshold/).fill('0.5');
    await form.getByLabel('Password').fill('Correct-horse-1');
    await form.getByLabel('Two-factor code').fill('123456');
    await form.getByRole('button', { name: 'Request the change' }).click();
    await expect.poll(() => page.getByTestId('settings-status-LTC').textContent()).toMatch(/^Check your email/);
    expect(bodies).toEqual([{ threshold: '50000000', password: 'Correct-horse-1', totp: '123456' }]);
    // Too many decimals is refused in the page, nothing sent.
    await form.getByLabel(/^Threshold/).fill('0.000000001');
    await form.getByLabel('Password').fill('Correct-horse-1');
    await form.getByLabel('Two-factor code').fill('123456');
    await form.getByRole('button', { name: 'Request the change' }).click();
    await expect.poll(() => page.getByTestId('settings-status-LTC').textContent()).toMatch(/more than 8 decimals/);
    expect(bodies).toHaveLength(1);

    await page.goto(`${base}/#/change/tok-123`);
    await page.getByTestId('change-apply').waitFor();
    const confirms = () => requests.filter((r) => r.url().endsWith('/api/account/changes/confirm'));
    expect(confirms()).toHaveLength(0);
    await page.getByTestId('change-apply').click();
    await expect
      .poll(() => page.getByTestId('change-status').textContent())
      .toMatch(/^Applied: LTC threshold 0.50000000 LTC/);
    expect(confirms().map((r) => JSON.parse(r.postData()!))).toEqual([{ token: 'tok-123' }]);
    await page.close();
  });

  it('saves notification settings as the routes take them, shows a new webhook secret once, test results per channel and the Telegram code', async () => {
    const saved: Json[] = [];
    let links = 0;
    const { page } = await stubbed({
      ...signedInAnswers(true),
      'PUT /api/account/notifications': (req) => {
        saved.push(JSON.parse(req.postData()!));
        return [200, { webhook: { url: 'https://hooks.example/x' }, webhookSecret: 'whsec-1' }];
      },
      'POST /api/account/notifications/test': () => [
        200,
        {
          results: [
            { channel: 'email', ok: true },
            { channel: 'webhook', ok: false, error: 'HTTP 500' },
          ],
        },
      ],
      // The second answer's link is not the bot's: it must not become a link on the page.
      'POST /api/account/telegram/link': () =>
        ++links === 1
          ? [
              200,
              { code: 'tg-code-1', expiresAt: Date.now() + 900_000, link: 'https://t.me/edgepool_bot?start=tg-code-1' },
            ]
          : [200, { code: 'tg-code-2', expiresAt: Date.now() + 900_000, link: 'javascript:window.__xss=4' }],
    });
    await signIn(page);
    const form = page.getByTestId('notifications-form');
    // Checked as the settings say; three channels, the pool's.
    expect(await form.getByLabel('A payout is sent by email').isChecked()).toBe(true);
    await form.getByLabel('A worker goes offline by telegram').check();
    await form.getByLabel('A payout is sent by email').uncheck();
    await form.getByLabel(/^Worker offline after/).fill('20');
    await form.getByLabel(/^Quiet hours from/).fill('22');
    await form.getByLabel(/^Quiet hours until/).fill('6');
    await form.getByLabel(/^Webhook URL/).fill('https://hooks.example/x');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('webhook-secret').waitFor();
    expect(await page.getByTestId('webhook-secret').textContent()).toBe('whsec-1');
    expect(saved).toEqual([
      {
        events: { 'worker-offline': ['telegram'] },
        workerOfflineMinutes: 20,
        hashrateDropPercent: 50,
        quietHours: { from: 22, to: 6 },
        webhook: { url: 'https://hooks.example/x' },
      },
    ]);
    // Emptying the webhook field removes it; quiet hours emptied are none.
    await form.getByLabel(/^Webhook URL/).fill('');
    await form.getByLabel(/^Quiet hours from/).fill('');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => saved.length).toBe(2);
    expect(saved[1]).toMatchObject({ quietHours: null, webhook: null });

    await page.getByTestId('notifications-test').click();
    await expect
      .poll(() => page.getByTestId('notifications-test-status').textContent())
      .toBe('email: sent; webhook: failed (HTTP 500)');
    await page.getByTestId('telegram-link').click();
    await expect.poll(() => page.getByTestId('telegram-code').textContent()).toBe('/start tg-code-1');
    expect(await page.getByRole('link', { name: '@edgepool_bot' }).getAttribute('href')).toBe(
      'https://t.me/edgepool_bot?start=tg-code-1',
    );
    await page.getByTestId('telegram-link').click();
    await expect.poll(() => page.getByTestId('telegram-code').textContent()).toBe('/start tg-code-2');
    expect(await page.locator('[data-testid=telegram-status] a').count()).toBe(0);
    await page.close();
  });

  it('sets the password on the confirm and reset pages: nothing sent on opening, differing passwords refused in the page', async () => {
    const bodies: Json[] = [];
    const take = (answer: Answer) => (req: Request) => {
      bodies.push({ path: new URL(req.url()).pathname, ...(req.postDataJSON() as Json) });
      return answer;
    };
    let resets = 0;
    const { page, requests } = await stubbed({
      'POST /api/account/confirm': take([200, { confirmed: true }]),
      'POST /api/account/password/forgot': take([202, { status: 'check-your-email' }]),
      'POST /api/account/password/reset': (req) =>
        ++resets === 1
          ? take([
              400,
              { error: 'this account has two-factor authentication on: enter a current code or a recovery code' },
            ])(req)
          : take([200, { reset: true }])(req),
    });
    const api = () => requests.filter((r) => new URL(r.url()).pathname.startsWith('/api/account/'));

    // The confirmation link: opening it sends nothing (a mail scanner confirms nothing); the password is asked twice.
    await page.goto(`${base}/#/confirm/ctok`);
    await page.getByTestId('confirm-form').waitFor();
    await page.waitForTimeout(200);
    expect(api()).toHaveLength(0);
    await page.getByLabel(/^New password/).fill('Chosen-Pass-1');
    await page.getByLabel('The same password again').fill('Chosen-Pass-2');
    await page.getByRole('button', { name: 'Confirm and set the password' }).click();
    await expect.poll(() => page.getByTestId('confirm-status').textContent()).toBe('the two passwords differ');
    expect(api()).toHaveLength(0);
    await page.getByLabel('The same password again').fill('Chosen-Pass-1');
    await page.getByRole('button', { name: 'Confirm and set the password' }).click();
    await page.getByTestId('confirm-signin').waitFor();
    expect(bodies.at(-1)).toEqual({ path: '/api/account/confirm', token: 'ctok', password: 'Chosen-Pass-1' });

    // The sign-in page links to the forgotten-password page, which answers alike for any address.
    await page.getByTestId('confirm-signin').click();
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill(' miner@example.com ');
    await page.getByRole('button', { name: 'Mail me a reset link' }).click();
    await page.getByTestId('forgot-done').waitFor();
    expect(bodies.at(-1)).toEqual({ path: '/api/account/password/forgot', email: 'miner@example.com' });

    // The reset link: the API asks for the code, the page shows it, and the code goes with the second try.
    await page.goto(`${base}/#/reset/rtok`);
    await page.getByLabel(/^New password/).fill(' Reset-Pass-3');
    await page.getByLabel('The same password again').fill(' Reset-Pass-3');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await expect.poll(() => page.getByTestId('reset-status').textContent()).toMatch(/two-factor authentication on/);
    expect(bodies.at(-1)).toEqual({ path: '/api/account/password/reset', token: 'rtok', password: ' Reset-Pass-3' });
    await page.getByLabel(/^Two-factor code/).fill('123456');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByTestId('reset-signin').waitFor();
    expect(bodies.at(-1)).toEqual({
      path: '/api/account/password/reset',
      token: 'rtok',
      password: ' Reset-Pass-3',
      totp: '123456',
    });
    await page.close();
  });

  it('fits every account page in a 360 px wide phone: no sideways scrolling, tables scroll inside themselves', async () => {
    const { page } = await stubbed(
      {
        ...signedInAnswers(true),
        'POST /api/account/confirm': () => [200, { confirmed: true }],
        'GET /api/watch/wtok': () => [
          200,
          {
            label: HOSTILE.watcher,
            coins: [
              {
                coin: 'LTC',
                miners: [
                  {
                    address: ADDRESS,
                    label: HOSTILE.label,
                    hashrate: { '10m': 123456, '3h': 120000 },
                    balance: { confirmed: '1', immature: '2', pending: '3', paid: '4' },
                    workers: [
                      {
                        name: 'rig-with-a-rather-long-name-01',
                        hashrate: 1234,
                        lastShareAt: Date.now(),
                        offline: false,
                      },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
      PHONE,
    );
    for (const route of [
      '#/signin',
      '#/signup?ref=ABCD1234',
      '#/confirm/ctok',
      '#/forgot',
      '#/reset/rtok',
      '#/change/xtok',
      '#/watch/wtok',
    ]) {
      await page.goto(`${base}/${route}`);
      await page.locator('#view h1').waitFor();
      await expectFitsPhone(page, route);
    }
    expect(await page.getByTestId('watch-miner-label').textContent()).toBe(HOSTILE.label);
    // A referral link fills in its code on the sign-up form.
    await page.goto(`${base}/#/signup?ref=ABCD1234`);
    expect(await page.getByLabel('Referral code (optional)').inputValue()).toBe('ABCD1234');
    await signIn(page);
    await expectFitsPhone(page, '#/account');
    // Inputs take the form's width.
    const widths = await page
      .getByTestId('settings-form-LTC')
      .getByLabel('Password')
      .evaluate((el) => {
        const form = el.closest('form')!;
        return [el.getBoundingClientRect().width, form.getBoundingClientRect().width];
      });
    expect(widths[0]).toBe(widths[1]);
    await page.screenshot({ path: join(ARTIFACTS, 'account-phone.png'), fullPage: true });
    await page.close();
  });

  it('shows a referrer the count of accounts it brought and its earnings, on the account page and its miner page, on a phone', async () => {
    const referral = { ref: 'ab'.repeat(32), kind: 'immature', role: 'referral', amount: '2500', time: Date.now() };
    const { page } = await stubbed(
      {
        ...signedInAnswers(true),
        [`GET /api/pools/LTC/miners/${ADDRESS}`]: () => [
          200,
          minerPage({ immature: '2500', confirmed: '100000' }, [referral]),
        ],
      },
      PHONE,
    );
    await signIn(page);
    expect(await page.getByTestId('referred-accounts').textContent()).toBe('3');
    expect(await page.getByTestId('referral-earnings-row').textContent()).toBe(`LTC${coins('12345', 8)}`);
    expect(await page.getByTestId('referred-by').count()).toBe(0);
    await expectFitsPhone(page, '#/account (a referrer)');

    await page.goto(`${base}/#/miner/${ADDRESS}`);
    await page.getByTestId('referral-earnings').waitFor();
    expect(await page.getByTestId('referral-confirmed').textContent()).toBe(`${coins('100000', 8)} LTC`);
    expect(await page.getByTestId('referral-immature').textContent()).toBe(`${coins('2500', 8)} LTC`);
    expect(await page.getByTestId('reward-kind').textContent()).toBe('immature (referral)');
    await expectFitsPhone(page, '#/miner (a referrer)');
    await page.screenshot({ path: join(ARTIFACTS, 'referrer-miner-phone.png'), fullPage: true });
    await page.close();
  });

  it('says nothing of referrals on the miner page of an address that referred no one', async () => {
    const { page } = await stubbed({
      [`GET /api/pools/LTC/miners/${ADDRESS}`]: () => [200, minerPage({ immature: '0', confirmed: '0' }, [])],
    });
    await page.goto(`${base}/#/miner/${ADDRESS}`);
    await page.getByTestId('immature').waitFor();
    expect(await page.getByTestId('referral-earnings').count()).toBe(0);
    await page.close();
  });

  it('tells a referred account what being referred means, and nothing about who referred it, on a phone', async () => {
    const { page } = await stubbed(
      {
        ...signedInAnswers(true),
        'GET /api/account/me': () => [200, { ...me(true), referredBy: { feeSharePercent: 12.5 } }],
      },
      PHONE,
    );
    await signIn(page);
    expect(await page.getByTestId('referred-by').textContent()).toBe(
      'You were referred: 12.5 % of the pool fee on your rewards goes to the account that referred you; your own rewards are unchanged.',
    );
    await expectFitsPhone(page, '#/account (a referred account)');
    await page.screenshot({ path: join(ARTIFACTS, 'referred-account-phone.png'), fullPage: true });
    await page.close();
  });

  it('serves the dashboard with a policy that forbids framing it and scripts from elsewhere', async () => {
    const res = await fetch(`${base}/`);
    expect(res.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const page = await browser.newPage();
    await page.goto(`${base}/#/signin`);
    const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(policy).toContain("script-src 'self'");
    // The policy holds in the page: an injected inline script does not run.
    await page.evaluate(
      'document.body.insertAdjacentHTML(\'beforeend\', \'<img src="x" onerror="window.__inline=1">\')',
    );
    await page.waitForTimeout(200);
    expect(await page.evaluate<unknown>('window.__inline')).toBeUndefined();
    await page.close();
  });
});
