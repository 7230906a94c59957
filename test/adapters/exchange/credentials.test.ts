import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { loadExchangeCredentials } from '../../../adapters/exchange/credentials.js';
import { ConfigError } from '../../../core/errors.js';

describe('exchange credentials from Secrets Manager', () => {
  it('reads and validates the secret by its ARN', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand, { SecretId: 'arn:okx' }).resolves({
      SecretString: JSON.stringify({ apiKey: 'k', secret: 's', password: 'p' }),
    });
    expect(await loadExchangeCredentials(new SecretsManagerClient({}), 'arn:okx')).toEqual({
      apiKey: 'k',
      secret: 's',
      password: 'p',
    });
    sm.restore();
  });

  it('refuses a malformed secret without echoing its values', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: 'k-very-secret' }) });
    const err = await loadExchangeCredentials(new SecretsManagerClient({}), 'arn:x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(JSON.stringify({ m: (err as ConfigError).message, i: (err as ConfigError).issues })).not.toContain(
      'k-very-secret',
    );
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'not json' });
    await expect(loadExchangeCredentials(new SecretsManagerClient({}), 'arn:x')).rejects.toBeInstanceOf(ConfigError);
    sm.restore();
  });
});
