import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../adapters/aws/dynamo-money-store.js';
import { targetPayoutSender } from '../../adapters/evm/target-payout-sender.js';
import { runPayouts } from '../../app/payouts/payouts.js';
import { targetPayoutSettings } from '../../app/payouts/policy.js';
import { parseConfigText } from '../../core/config/load.js';
import { ConfigError, StorageError } from '../../core/errors.js';
import { jsonSafe } from '../../core/json.js';
import { emfRecord } from '../shared/emf.js';
import { poolHandler, poolLambda } from '../shared/pool-handler.js';

/** The environment of a conversion target's payouts Lambda (one per target with `payouts`), set by the coin stack. */
export const targetPayoutsEnvSchema = z.object({
  /** The converting coin whose config holds the target. */
  POOL_COIN: z.string().min(1),
  TARGET_CURRENCY: z.string().min(1),
  POOL_CONFIG_JSON: z.string().min(1),
  /** The target currency's ledger table. */
  LEDGER_TABLE: z.string().min(1),
  /** `evm`: Secrets Manager ARN of the pool wallet's key (SecretString: the 0x hex key). */
  EVM_KEY_SECRET_ARN: z.string().min(1).optional(),
  /** `wallet-rpc`: Secrets Manager ARN of the wallet daemon's RPC credentials {"user","password"}. */
  WALLET_RPC_SECRET_ARN: z.string().min(1).optional(),
});

type Deps = Omit<Parameters<typeof runPayouts>[0], 'log' | 'now'>;

const secretName = { evm: 'EVM_KEY_SECRET_ARN', 'wallet-rpc': 'WALLET_RPC_SECRET_ARN' } as const;

/** {"user","password"} of a wallet daemon, as the coins' daemon secret holds them; never echoes the values. */
function daemonCredentials(secret: string | undefined, arn: string): { user: string; password: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(secret ?? '');
  } catch {
    throw new ConfigError(`secret ${arn} is not JSON`);
  }
  const parsed = z.object({ user: z.string().min(1), password: z.string().min(1) }).safeParse(raw);
  if (!parsed.success) throw new ConfigError(`secret ${arn} is not {"user","password"} of the wallet daemon`);
  return parsed.data;
}

/**
 * Builds the store and the sender on the first invocation: the EVM wallet's key, or the wallet daemon's RPC
 * credentials, from its secret, never from the config.
 */
async function targetPayoutDeps(e: z.output<typeof targetPayoutsEnvSchema>): Promise<Deps> {
  const coin = parseConfigText(e.POOL_CONFIG_JSON, 'POOL_CONFIG_JSON').coins.find((c) => c.symbol === e.POOL_COIN);
  const target = coin?.conversion?.targets.find((t) => t.currency === e.TARGET_CURRENCY);
  if (!target?.payouts)
    throw new ConfigError(`${e.POOL_COIN} has no payouts for conversion target ${e.TARGET_CURRENCY}`);
  const p = target.payouts;
  const secretArn = p.kind === 'evm' ? e.EVM_KEY_SECRET_ARN : e.WALLET_RPC_SECRET_ARN;
  if (!secretArn)
    throw new ConfigError(
      `${target.currency} payouts (${p.kind}): ${secretName[p.kind]} is not set in the environment`,
    );
  const secret = (
    await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }))
  ).SecretString?.trim();
  const payouts = p.kind === 'evm' ? p : { ...p, daemon: { ...p.daemon, ...daemonCredentials(secret, secretArn) } };
  // The EVM sender refuses a token counting in other decimals than the ledger before each pass reads or pays.
  const { sender } = targetPayoutSender(
    { currency: target.currency, wallet: target.wallet, payouts },
    p.kind === 'evm' ? secret : undefined,
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
export const targetPayoutsLambda = poolLambda({
  name: 'target-payouts',
  env: targetPayoutsEnvSchema,
  build: targetPayoutDeps,
  run: async (event: { dryRun?: boolean } | undefined, d: Deps, { log, emit }): Promise<unknown> => {
    const report = await runPayouts({ ...d, log, now: Date.now }, { dryRun: event?.dryRun === true });
    // As the coins' payouts Lambda (handler.ts): 1 while the target's payouts are suspended, else 0.
    emit(emfRecord(d.coin, { PayoutsSuspended: report.status === 'suspended' ? 1 : 0 }, Date.now()));
    return jsonSafe(report);
  },
});

export const handler = poolHandler(targetPayoutsLambda);
