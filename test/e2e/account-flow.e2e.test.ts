import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thresholdBounds } from '../../core/accounts/settings.js';
import { parseConfig } from '../../core/config/load.js';
import { createLogger } from '../../local/logger.js';
import type { ReceivedMail } from '../../local/mail-sink.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { coins } from '../../web/src/format.js';
import { ARTIFACTS, expectFitsPhone, launchChromium, PHONE } from '../helpers/browser.js';
import { withDevnet } from '../helpers/devnet.js';
import { testPoolConfig } from '../helpers/pool-config.js';

const EMAIL = 'farm@example.com';
const PASSWORD = 'Rigs-and-Fans-2026';
const NEW_PASSWORD = 'Fans-and-Rigs-2027';

/** The current code of the authenticator app holding `secret`, as an app computes it (RFC 6238, 30 s, SHA-1). */
const totpNow = (secret: string) => new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate();

/** A code not in `used` (Cognito takes a code once), waiting for the next 30 s step if needed; then in `used`. */
async function freshCode(secret: string, used: Set<string>): Promise<string> {
  for (;;) {
    const code = totpNow(secret);
    if (!used.has(code)) {
      used.add(code);
      return code;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * A miner's whole account flow in Debian Chromium on a 360 px phone, against `npm start`'s pool with an `accounts`
 * section: the real account API on dynalite, cognito-local and the SMTP sink whose mails the test reads. Sign up →
 * confirm from the mail, choosing the password → sign in → enroll TOTP (codes computed from the secret the page
 * shows) → add a mining address signed by its key → change the threshold with the password and a code → follow the
 * emailed link → the change is on the account page and in its log, and the notice mail arrives → the password is
 * forgotten: the mailed reset link and a current code set a new one.
 */
describe('account flow in a real browser', () => {
  const net = withDevnet();
  let pool: LocalPool;
  let browser: Browser;
  let base: string;
  let config: ReturnType<typeof parseConfig>;

  beforeAll(async () => {
    const devnet = net.get();
    const plain = testPoolConfig(devnet, 0.002);
    config = parseConfig({ ...plain, accounts: { signIn: { perIpPerHour: 1000 } } });
    pool = await startLocalPool({
      config,
      dataDir: net.dataDir(),
      log: createLogger('e2e-accounts', 'silent'),
      moneyTimers: false,
    });
    base = `http://127.0.0.1:${pool.httpPort}`;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await pool?.stop();
  });

  const sink = () => pool.accounts!.mailSink;
  /** The `#/<kind>/<token>` part of the link in the mail: opened on this pool's port (publicUrl is the default). */
  const linkIn = (mail: ReceivedMail, kind: 'confirm' | 'change' | 'reset') => {
    const link = mail.links.find((l) => l.includes(`/#/${kind}/`));
    if (!link) throw new Error(`no ${kind} link in: ${mail.text}`);
    return `${base}/${link.slice(link.indexOf('#/'))}`;
  };

  it('signs up, confirms choosing the password, enrolls TOTP, changes the threshold with a code and the emailed link, sets notifications, shares and revokes a watcher link, resets a forgotten password', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    const consoleLines: string[] = [];
    const usedCodes = new Set<string>();
    page.on('console', (m) => consoleLines.push(m.text()));

    // Sign up, then the link in the mail.
    await page.goto(`${base}/#/signup`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByTestId('signup-done').waitFor();
    const confirmMail = await sink().waitFor(EMAIL, (m) => m.text.includes('/#/confirm/'), 20_000);
    // The link's holder chooses the password (twice): the one typed at sign-up counts only if typed again here.
    await page.goto(linkIn(confirmMail, 'confirm'));
    await page.getByLabel(/^New password/).fill(PASSWORD);
    await page.getByLabel('The same password again').fill(PASSWORD);
    await expectFitsPhone(page, 'confirm');
    await page.getByRole('button', { name: 'Confirm and set the password' }).click();
    await page.getByTestId('confirm-signin').click();

    // A wrong password: the API's one refusal, shown as it says it.
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(`${PASSWORD}x`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('signin-status').textContent()).toBe('the email or the password is wrong');

    // Sign in (no TOTP yet): the account page.
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('account-email').waitFor();
    expect(await page.getByTestId('account-email').textContent()).toBe(EMAIL);
    await expectFitsPhone(page, 'account');

    // TOTP: the secret the page shows goes into the "app"; its code turns TOTP on; 10 recovery codes once.
    await page.getByTestId('totp-start').click();
    const secret = (await page.getByTestId('totp-secret').textContent())!;
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await expectFitsPhone(page, 'totp enrollment');
    await page.getByLabel('The 6-digit code your app shows now').fill(totpNow(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByTestId('recovery-codes').waitFor();
    expect(await page.getByTestId('recovery-code').count()).toBe(10);
    await page.screenshot({ path: join(ARTIFACTS, 'account-flow-recovery-codes.png'), fullPage: true });
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByTestId('totp-on').waitFor();
    expect(await page.getByTestId('totp-on').textContent()).toContain('10 recovery codes left');

    // A mining address joins the account: the page prepares the message, the wallet signs it.
    const devnet = net.get();
    const address = await devnet.minerWallet.getNewAddress('account', 'legacy');
    const identity = page.getByTestId('identity-form');
    await identity.getByLabel('Mining address').fill(address);
    await identity.getByLabel(/^Label/).fill('garage <rigs>');
    await identity.getByRole('button', { name: 'Prepare message' }).click();
    const message = (await page.getByTestId('identity-message').textContent())!;
    expect(message).toContain(`add LTC address ${address} at `);
    const signature = await devnet.minerWallet.call<string>('signmessage', [address, message]);
    await identity.getByLabel('Signature').fill(signature);
    await identity.getByRole('button', { name: 'Add address' }).click();
    await expect
      .poll(() => page.getByTestId('identity-label').allTextContents(), { timeout: 10_000 })
      .toEqual(['garage <rigs>']);

    // The threshold: twice the pool's floor, asked with the password and a current code.
    const { min } = thresholdBounds(config.coins.find((c) => c.symbol === 'LTC')!.payouts!);
    const threshold = min * 2n;
    const form = page.getByTestId('settings-form-LTC');
    await form.getByLabel(/^Threshold/).fill(coins(threshold.toString()));
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByLabel('Two-factor code').fill(await freshCode(secret, usedCodes));
    await form.getByRole('button', { name: 'Request the change' }).click();
    await expect
      .poll(() => page.getByTestId('settings-status-LTC').textContent(), { timeout: 15_000 })
      .toMatch(/^Check your email/);
    // Nothing changed yet: only the link applies it.
    expect(await page.getByTestId('threshold-LTC').textContent()).toBe('pool default');

    const changeMail = await sink().waitFor(EMAIL, (m) => m.text.includes('/#/change/'), 20_000);
    await page.goto(linkIn(changeMail, 'change'));
    await page.getByTestId('change-apply').click();
    await expect
      .poll(() => page.getByTestId('change-status').textContent(), { timeout: 15_000 })
      .toBe(`Applied: LTC threshold ${coins(threshold.toString())} LTC. Back to your account`);
    await expectFitsPhone(page, 'change');

    // The account page shows it, the log has it (how: TOTP + email), and the notice mail came.
    await page.getByRole('link', { name: 'Back to your account' }).click();
    await page.getByTestId('threshold-LTC').waitFor();
    expect(await page.getByTestId('threshold-LTC').textContent()).toBe(`${coins(threshold.toString())} LTC`);
    const log = await page.getByTestId('log-row').allTextContents();
    const entry = log.find((l) => l.includes('payout-settings'));
    expect(entry).toContain(`LTC threshold: ${threshold} base units`);
    expect(entry).toContain('totp+email');
    const notice = await sink().waitFor(EMAIL, (m) => /payout settings changed/.test(m.subject), 20_000);
    expect(notice.text).toContain(`LTC threshold: ${threshold} base units`);
    await expectFitsPhone(page, 'account after the change');

    // Notifications: payouts by email, saved; the test button mails the account now.
    const notifications = page.getByTestId('notifications-form');
    await notifications.getByLabel('A payout is sent by email').check();
    await notifications.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('notifications-status').textContent()).toBe('Saved.');
    await page.getByTestId('notifications-test').click();
    await expect.poll(() => page.getByTestId('notifications-test-status').textContent()).toBe('email: sent');
    await sink().waitFor(EMAIL, (m) => /test notification/.test(m.subject), 20_000);
    await page.reload();
    await page.getByTestId('notifications-form').waitFor();
    expect(await page.getByTestId('notifications-form').getByLabel('A payout is sent by email').isChecked()).toBe(true);

    // A watcher link: shown once, opens a read-only view of the account's address, and stops working when revoked.
    await page
      .getByTestId('watcher-form')
      .getByLabel(/^Label/)
      .fill('my partner');
    await page.getByRole('button', { name: 'Create a watcher link' }).click();
    const url = (await page.getByTestId('watcher-url').textContent())!;
    const watchUrl = `${base}/${url.slice(url.indexOf('#/watch/'))}`;
    const watcher = await browser.newPage({ viewport: PHONE });
    await watcher.goto(watchUrl);
    await watcher.getByTestId('watch-miner').waitFor();
    expect(await watcher.getByTestId('watch-label').textContent()).toBe('my partner');
    expect(await watcher.getByTestId('watch-miner-label').textContent()).toBe('garage <rigs>');
    expect(await watcher.getByTestId('watch-miner').textContent()).toContain(address);
    expect(await watcher.locator('form').count()).toBe(1); // the header's address lookup only: nothing to change
    await expectFitsPhone(watcher, 'watch');
    await page.reload();
    await page.getByTestId('watcher-revoke').click();
    await expect.poll(() => page.getByTestId('watcher-row').textContent()).toMatch(/revoked/);
    await watcher.reload();
    await watcher.getByTestId('error').waitFor();
    await watcher.close();

    // The address leaves the account.
    await page.getByTestId('identity-row').getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => page.getByTestId('identity-row').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'account-flow-phone.png'), fullPage: true });
    // The secret the page showed was never written to the console.
    expect(consoleLines.join('\n')).not.toContain(secret);
    await page.close();

    // The password is forgotten: the sign-in page's link, the mailed reset link, a new password with a current code.
    const reset = await browser.newPage({ viewport: PHONE });
    await reset.goto(`${base}/#/signin`);
    await reset.getByRole('link', { name: 'Forgot your password?' }).click();
    await reset.getByLabel('Email').fill(EMAIL);
    await reset.getByRole('button', { name: 'Mail me a reset link' }).click();
    await reset.getByTestId('forgot-done').waitFor();
    await expectFitsPhone(reset, 'forgot');
    const resetMail = await sink().waitFor(EMAIL, (m) => m.text.includes('/#/reset/'), 20_000);
    await reset.goto(linkIn(resetMail, 'reset'));
    await reset.getByLabel(/^New password/).fill(NEW_PASSWORD);
    await reset.getByLabel('The same password again').fill(NEW_PASSWORD);
    await expectFitsPhone(reset, 'reset');
    await reset.getByLabel(/^Two-factor code/).fill(await freshCode(secret, usedCodes));
    await reset.getByRole('button', { name: 'Set the new password' }).click();
    await reset.getByTestId('reset-signin').click();
    const resetNotice = await sink().waitFor(EMAIL, (m) => /password was reset/.test(m.subject), 20_000);
    expect(resetNotice.text).not.toContain(NEW_PASSWORD);
    await reset.getByLabel('Email').fill(EMAIL);
    await reset.getByLabel('Password').fill(PASSWORD);
    await reset.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => reset.getByTestId('signin-status').textContent())
      .toBe('the email or the password is wrong');
    await reset.getByLabel('Password').fill(NEW_PASSWORD);
    await reset.getByRole('button', { name: 'Sign in' }).click();
    await reset.getByTestId('signin-totp-form').waitFor(); // the new password passed; TOTP stays on
    await reset.close();
  }, 90_000); // 9–27 s in a browser here; one CI run at 30 s (the default) timed out mid-flow
});
