import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger } from 'pino';
import { z } from 'zod';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../adapters/aws/dynamo-money-store.js';
import { parseConfigText } from '../../core/config/load.js';
import { ConfigError, StorageError } from '../../core/errors.js';
import { jsonSafe } from '../../core/json.js';
import { lazyDeps } from '../shared/lazy-deps.js';
import { createLambdaLogger, invocationLogger, poolMiddleware } from '../shared/middleware.js';
import { runPayouts } from './payouts.js';
import { targetPayoutSender, targetPayoutSettings } from './target.js';

/** The environment of a conversion target's payouts Lambda (one per target with `payouts`), set by the coin stack. */
export const targetPayoutsEnvSchema = z.object({
  /** The converting coin whose config holds the target. */
  POOL_COIN: z.string().min(1),
  TARGET_CURRENCY: z.string().min(1),
  POOL_CONFIG_JSON: z.string().min(1),
  /** The target currency's ledger table. */
  LEDGER_TABLE: z.string().min(1),
  /** Secrets Manager ARN of the pool wallet's key (SecretString: the 0x hex key). */
  EVM_KEY_SECRET_ARN: z.string().min(1),
});

type Deps = Omit<Parameters<typeof runPayouts>[0], 'log' | 'now'>;

/** Builds the store and the sender on the first invocation: the wallet key from its secret, never from the config. */
export async function targetPayoutDepsFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Deps> {
  const parsed = targetPayoutsEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      'target payouts Lambda environment is invalid',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const coin = parseConfigText(e.POOL_CONFIG_JSON, 'POOL_CONFIG_JSON').coins.find((c) => c.symbol === e.POOL_COIN);
  const target = coin?.conversion?.targets.find((t) => t.currency === e.TARGET_CURRENCY);
  if (!target?.payouts)
    throw new ConfigError(`${e.POOL_COIN} has no payouts for conversion target ${e.TARGET_CURRENCY}`);
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: e.EVM_KEY_SECRET_ARN }));
  const { sender } = targetPayoutSender(
    { currency: target.currency, wallet: target.wallet, payouts: target.payouts },
    secret.SecretString?.trim(),
  );
  const doc = createDocumentClient(new DynamoDBClient({}));
  const tables = (c: string) => {
    if (c !== target.currency) throw new StorageError(`this function pays ${target.currency}, not ${c}`);
    return {
      ledger: e.LEDGER_TABLE,
      get blocks(): string {
        throw new StorageError(`${c} is a conversion target: it has no blocks table`);
      },
    };
  };
  return {
    coin: target.currency,
    ...targetPayoutSettings(target.payouts),
    money: new DynamoMoneyStore(doc, tables),
    sender,
  };
}

/** EventBridge schedule → one payouts pass of a conversion target's ledger (the mined coins' machine, its sender). */
export function createHandler(
  makeDeps: () => Promise<Deps> = () => targetPayoutDepsFromEnv(),
  log: Logger = createLambdaLogger('target-payouts'),
) {
  const deps = lazyDeps(makeDeps);
  const base = async (event: { dryRun?: boolean } | undefined, context: Context): Promise<unknown> => {
    const d = await deps();
    const report = await runPayouts(
      { ...d, log: invocationLogger(log, context), now: Date.now },
      { dryRun: event?.dryRun === true },
    );
    return jsonSafe(report);
  };
  return middy<{ dryRun?: boolean } | undefined, unknown, Error, Context>(base).use(poolMiddleware(log));
}

export const handler = createHandler();
