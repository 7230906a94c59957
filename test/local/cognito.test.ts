import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminUserGlobalSignOutCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  InitiateAuthCommand,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CognitoIdentity } from '../../adapters/aws/cognito-identity.js';
import { SignInRefusedError } from '../../core/ports/identity.js';
import { type LocalCognito, startLocalCognito } from '../../local/cognito.js';

const PASSWORD = 'a long enough passphrase';
const identityOf = (c: LocalCognito) =>
  new CognitoIdentity({ client: c.client, userPoolId: c.userPoolId, clientId: c.clientId, issuer: c.issuer });

describe('local cognito-local user pool', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-cognito-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('creates the pool once: a restart on the same data directory finds the same pool, client and users', async () => {
    const first = await startLocalCognito({ dataDir: dir });
    const pool = await first.client.send(new DescribeUserPoolCommand({ UserPoolId: first.userPoolId }));
    expect(pool.UserPool?.MfaConfiguration).toBe('OPTIONAL');
    const app = await first.client.send(
      new DescribeUserPoolClientCommand({ UserPoolId: first.userPoolId, ClientId: first.clientId }),
    );
    expect(app.UserPoolClient?.ExplicitAuthFlows).toEqual([
      'ALLOW_USER_PASSWORD_AUTH',
      'ALLOW_REFRESH_TOKEN_AUTH',
      'ALLOW_USER_AUTH',
    ]);
    expect(first.issuer).toBe(`${first.endpoint}/${first.userPoolId}`);
    const idp = identityOf;
    await idp(first).signUp('kept@example.com', 'a long enough passphrase');
    await idp(first).confirmUser('kept@example.com');
    await first.stop();

    const second = await startLocalCognito({ dataDir: dir });
    try {
      expect([second.userPoolId, second.clientId]).toEqual([first.userPoolId, first.clientId]);
      const result = await idp(second).signIn('kept@example.com', 'a long enough passphrase');
      expect(result.kind).toBe('tokens');
      if (result.kind === 'tokens')
        expect((await idp(second).verifyAccessToken(result.tokens.accessToken)).username).toBe('kept@example.com');
    } finally {
      await second.stop();
    }
  });
  it('lets only the pool create users, and gives a pool made before that the setting at the next start', async () => {
    const own = await mkdtemp(join(tmpdir(), 'local-cognito-admin-only-'));
    try {
      const first = await startLocalCognito({ dataDir: own });
      const created = await first.client.send(new DescribeUserPoolCommand({ UserPoolId: first.userPoolId }));
      expect(created.UserPool?.AdminCreateUserConfig?.AllowAdminCreateUserOnly).toBe(true);
      // As a data directory from before: self sign-up allowed.
      await first.client.send(
        new UpdateUserPoolCommand({
          UserPoolId: first.userPoolId,
          MfaConfiguration: 'OPTIONAL',
          AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
        }),
      );
      await first.stop();
      const second = await startLocalCognito({ dataDir: own });
      try {
        const pool = await second.client.send(new DescribeUserPoolCommand({ UserPoolId: second.userPoolId }));
        expect(pool.UserPool?.AdminCreateUserConfig?.AllowAdminCreateUserOnly).toBe(true);
        expect(pool.UserPool?.MfaConfiguration).toBe('OPTIONAL');
        expect(pool.UserPool?.Policies?.PasswordPolicy?.MinimumLength).toBe(10);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  describe('refusals Cognito makes and cognito-local lacks', () => {
    let cognito: LocalCognito;
    beforeAll(async () => {
      cognito = await startLocalCognito({ dataDir: join(dir, 'refusals') });
    });
    afterAll(() => cognito?.stop());

    it('refuses a disabled user its refresh token, not only its password', async () => {
      const idp = identityOf(cognito);
      await idp.signUp('disabled-later@example.com', PASSWORD);
      await idp.confirmUser('disabled-later@example.com');
      const signedIn = await idp.signIn('disabled-later@example.com', PASSWORD);
      if (signedIn.kind !== 'tokens') throw new Error('expected tokens');
      await cognito.client.send(
        new AdminDisableUserCommand({ UserPoolId: cognito.userPoolId, Username: 'disabled-later@example.com' }),
      );
      await expect(idp.refresh(signedIn.tokens.refreshToken as string)).rejects.toBeInstanceOf(SignInRefusedError);
      await expect(idp.signIn('disabled-later@example.com', PASSWORD)).rejects.toBeInstanceOf(SignInRefusedError);
    });

    it('answers AdminUserGlobalSignOut (cognito-local lacks it): the user’s refresh tokens so far are refused', async () => {
      const idp = identityOf(cognito);
      const signedIn = async (email: string) => {
        const result = await idp.signIn(email, PASSWORD);
        if (result.kind !== 'tokens') throw new Error('expected tokens');
        return result.tokens.refreshToken as string;
      };
      for (const email of ['out@example.com', 'other@example.com']) {
        await idp.signUp(email, PASSWORD);
        await idp.confirmUser(email);
      }
      const [first, second, other] = [
        await signedIn('out@example.com'),
        await signedIn('out@example.com'),
        await signedIn('other@example.com'),
      ];
      await cognito.client.send(
        new AdminUserGlobalSignOutCommand({ UserPoolId: cognito.userPoolId, Username: 'out@example.com' }),
      );
      for (const token of [first, second]) await expect(idp.refresh(token)).rejects.toBeInstanceOf(SignInRefusedError);
      expect((await idp.refresh(other)).accessToken).toEqual(expect.any(String));
      expect((await idp.refresh(await signedIn('out@example.com'))).accessToken).toEqual(expect.any(String));
      const unknown = cognito.client.send(
        new AdminUserGlobalSignOutCommand({ UserPoolId: cognito.userPoolId, Username: 'nobody@example.com' }),
      );
      await expect(unknown).rejects.toMatchObject({ name: 'UserNotFoundException' });
    });

    it('asks a user awaiting its first password for the temporary one before anything else', async () => {
      await cognito.client.send(
        new AdminCreateUserCommand({
          UserPoolId: cognito.userPoolId,
          Username: 'temporary@example.com',
          TemporaryPassword: 'Temporary-passw0rd',
          MessageAction: 'SUPPRESS',
        }),
      );
      const attempt = (password: string) =>
        cognito.client.send(
          new InitiateAuthCommand({
            ClientId: cognito.clientId,
            AuthFlow: 'USER_PASSWORD_AUTH',
            AuthParameters: { USERNAME: 'temporary@example.com', PASSWORD: password },
          }),
        );
      await expect(attempt('any guess at all')).rejects.toMatchObject({ name: 'NotAuthorizedException' });
      expect((await attempt('Temporary-passw0rd')).ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    });
  });
});
