import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeUserPoolClientCommand, DescribeUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CognitoIdentity } from '../../adapters/aws/cognito-identity.js';
import { startLocalCognito } from '../../local/cognito.js';

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
    const idp = (c: typeof first) =>
      new CognitoIdentity({ client: c.client, userPoolId: c.userPoolId, clientId: c.clientId, issuer: c.issuer });
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
});
