import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CognitoIdentity } from '../../adapters/aws/cognito-identity.js';
import type { PoolConfig } from '../../core/config/schema.js';
import { accountsSchema } from '../../core/config/schema.js';
import { createLocalApi } from '../../local/api.js';
import { type LocalCognito, startLocalCognito } from '../../local/cognito.js';
import { type AccountApiHarness, PASSWORD, signedUpAccount, startAccountApi } from '../helpers/account-api.js';
import { ARTIFACTS, expectFitsPhone, PHONE } from '../helpers/browser.js';
import { serveDashboard } from '../helpers/dashboard-server.js';
import { type Dynamo, startDynamo } from '../helpers/dynamo.js';

const EMAIL = 'passkey-farm@example.com';

/**
 * Passkeys in Debian Chromium with a CDP virtual authenticator (CTAP2, internal transport, user verification), against
 * the real account API (dynalite, the mail sink) and the Cognito adapter on cognito-local with its WebAuthn emulation:
 * the dashboard is opened as http://localhost:<port> (a browser takes no IP address as relying party), which is the
 * emulated pool's relying party and origin. Add a passkey on the account page, sign in with it alone, remove it, and
 * its next use is refused.
 */
describe('passkeys in a real browser', () => {
  let dir: string;
  let dynamo: Dynamo;
  let cognito: LocalCognito;
  let h: AccountApiHarness;
  let browser: Browser;
  let close: () => Promise<void>;
  let base: string;
  /** The relying party the emulated pool checks: the origin is known once the server listens. */
  const rp = { relyingPartyId: 'localhost', origin: '' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'passkeys-e2e-'));
    dynamo = await startDynamo();
    cognito = await startLocalCognito({ dataDir: dir, passkeys: rp });
    const identity = new CognitoIdentity({
      client: cognito.client,
      userPoolId: cognito.userPoolId,
      clientId: cognito.clientId,
      issuer: cognito.issuer,
      jwksUrl: cognito.jwksUrl,
    });
    h = await startAccountApi(dynamo, identity, {
      accounts: accountsSchema.parse({ publicUrl: 'http://localhost', signIn: { perIpPerHour: 1000 } }),
      now: Date.now,
    });
    const api = createLocalApi({
      config: { pool: { name: 'testpool' }, coins: [], switching: [] } as unknown as PoolConfig,
      shares: await dynamo.freshStore(),
      money: {} as never,
      log: { error: () => {} },
      boundPorts: () => undefined,
      accounts: h.deps,
    });
    ({ base, browser, close } = await serveDashboard(api));
    base = base.replace('127.0.0.1', 'localhost');
    rp.origin = base;
    await signedUpAccount(h, EMAIL);
  }, 120_000);

  afterAll(async () => {
    await close?.();
    await h?.close();
    await cognito?.stop();
    await dynamo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A phone-sized page with a platform authenticator that verifies its user (as a phone's screen lock does). */
  async function pageWithAuthenticator(): Promise<{ page: Page; cdp: CDPSession; authenticatorId: string }> {
    const page = await browser.newPage({ viewport: PHONE });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return { page, cdp, authenticatorId };
  }

  async function signInWithPassword(page: Page) {
    await page.goto(`${base}/#/signin`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId('account-email').waitFor();
  }

  async function signInWithPasskey(page: Page) {
    await page.goto(`${base}/#/signin`);
    await page.getByTestId('signin-form').getByLabel('Email').fill(EMAIL);
    await page.getByTestId('passkey-signin').click();
  }

  it('adds a passkey on the account page, signs in with it alone, removes it, and then it is refused', async () => {
    const { page, cdp, authenticatorId } = await pageWithAuthenticator();
    await signInWithPassword(page);
    const section = page.getByTestId('passkeys-section');
    await section.waitFor();
    await expectFitsPhone(page, 'account page with passkeys');

    // Without the password nothing is asked of the authenticator.
    await page.getByTestId('passkey-add').click();
    await expect.poll(() => page.getByTestId('passkey-status').textContent()).toContain('enter your password');
    expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toEqual([]);

    await page.getByTestId('passkey-form').getByLabel('Password').fill(PASSWORD);
    await page.getByTestId('passkey-add').click();
    await expect.poll(() => page.getByTestId('passkey-row').count(), { timeout: 10_000 }).toBe(1);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toEqual([expect.objectContaining({ rpId: 'localhost', isResidentCredential: true })]);
    await h.sink.waitFor(EMAIL, (m) => /passkey was added/.test(m.subject));

    // Signed out, the email alone and the authenticator sign in.
    await page.getByTestId('signout').click();
    await signInWithPasskey(page);
    await page.getByTestId('account-email').waitFor();
    expect(await page.getByTestId('account-email').textContent()).toBe(EMAIL);
    await page.screenshot({ path: join(ARTIFACTS, 'account-passkeys.png'), fullPage: true });

    // Removed (with the password), the passkey the authenticator still holds no longer signs in.
    await page.getByTestId('passkey-form').getByLabel('Password').fill(PASSWORD);
    await page.getByTestId('passkey-remove').click();
    await expect.poll(() => page.getByTestId('passkey-row').count(), { timeout: 10_000 }).toBe(0);
    await page.getByTestId('signout').click();
    await signInWithPasskey(page);
    await expect
      .poll(() => page.getByTestId('signin-passkey-status').textContent(), { timeout: 10_000 })
      .toBe('the email or the password is wrong');
    await expectFitsPhone(page, 'sign-in page');
    expect(page.url()).toContain('#/signin');
  });
});
