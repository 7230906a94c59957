import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';

/** API credentials of one exchange account, as stored in Secrets Manager (`password` = OKX's passphrase). */
export const exchangeCredentialsSchema = z.strictObject({
  apiKey: z.string().min(1),
  secret: z.string().min(1),
  password: z.string().min(1).optional(),
  /** Kraken withdraws only to pre-registered addresses, named by this key. */
  withdrawalKey: z.string().min(1).optional(),
});
export type ExchangeCredentials = z.output<typeof exchangeCredentialsSchema>;

/** Reads and validates an exchange's credentials; the client is injected (tests mock it). */
export async function loadExchangeCredentials(
  client: SecretsManagerClient,
  secretArn: string,
): Promise<ExchangeCredentials> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  let raw: unknown;
  try {
    raw = JSON.parse(out.SecretString ?? '');
  } catch {
    throw new ConfigError(`secret ${secretArn} is not JSON`);
  }
  const parsed = exchangeCredentialsSchema.safeParse(raw);
  if (!parsed.success) {
    // Never echo the secret's values: only which keys are wrong.
    throw new ConfigError(
      `secret ${secretArn} is not exchange credentials`,
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  }
  return parsed.data;
}
