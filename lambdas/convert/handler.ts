import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoConversionStore } from '../../adapters/aws/dynamo-conversion-store.js';
import { DynamoMoneyStore } from '../../adapters/aws/dynamo-money-store.js';
import { CcxtExchange } from '../../adapters/exchange/ccxt-exchange.js';
import { loadExchangeCredentials } from '../../adapters/exchange/credentials.js';
import { runConversions } from '../../app/convert/convert.js';
import type { ConvertDeps } from '../../app/convert/deps.js';
import { getCoin } from '../../core/coins/index.js';
import { parseJsonVar } from '../../core/config/env.js';
import { takesDeposits } from '../../core/conversion/deposit.js';
import { ConfigError, StorageError } from '../../core/errors.js';
import { jsonSafe } from '../../core/json.js';
import type { Exchange } from '../../core/ports/exchange.js';
import { CHAIN_FAMILIES } from '../../families/registry.js';
import { emfRecord } from '../shared/emf.js';
import { coinFromEnv, foreignFromEnv } from '../shared/money-deps.js';
import { poolHandler, poolLambda } from '../shared/pool-handler.js';
import { convertEnvSchema } from './env.js';

type Deps = Omit<ConvertDeps, 'log' | 'now'>;

/**
 * Builds clients from the environment on the first invocation: Secrets Manager for each exchange's keys and, when
 * exchanges take deposits, for the daemon credentials of the pool wallet they are sent from.
 */
export async function convertDeps(e: z.output<typeof convertEnvSchema>, families = CHAIN_FAMILIES): Promise<Deps> {
  const secrets = new SecretsManagerClient({});
  // Deposits to exchanges are sent from the pool wallet, on the coin's nodes: their credentials come from the secret.
  const { coin, family } = await coinFromEnv(e, families, (c) =>
    takesDeposits(c.conversion) ? 'deposits to exchanges' : undefined,
  );
  if (!coin.conversion) throw new ConfigError(`${e.POOL_COIN} has no conversion config`);
  const wallet = takesDeposits(coin.conversion) ? family.money.depositWallet(coin) : undefined;
  const targets = parseJsonVar(z.record(z.string(), z.string()), 'TARGET_LEDGER_TABLES', e.TARGET_LEDGER_TABLES);
  const doc = createDocumentClient(new DynamoDBClient({}));
  const tables = (c: string) => {
    if (c === e.POOL_COIN) return { blocks: e.BLOCKS_TABLE, ledger: e.LEDGER_TABLE };
    const ledger = targets[c];
    if (!ledger) throw new StorageError(`no ledger table for ${c}`);
    return { blocks: e.BLOCKS_TABLE, ledger };
  };
  const exchanges = new Map<string, Exchange>();
  for (const x of coin.conversion.exchanges) {
    if (!x.secretArn) throw new ConfigError(`conversion exchange ${x.id} needs secretArn in AWS`);
    exchanges.set(
      x.id,
      new CcxtExchange({ id: x.id, credentials: await loadExchangeCredentials(secrets, x.secretArn) }),
    );
  }
  return {
    ...(wallet ? { wallet } : {}),
    coin: coin.symbol,
    decimals: getCoin(coin.symbol).decimals,
    config: coin.conversion,
    money: new DynamoMoneyStore(doc, tables),
    store: new DynamoConversionStore(doc, tables),
    exchanges,
    ...(e.FOREIGN_PAYOUT_CURRENCIES ? { foreign: foreignFromEnv(coin, e.FOREIGN_PAYOUT_CURRENCIES) } : {}),
  };
}

/**
 * EventBridge schedule → one conversion pass (app/convert/convert.ts). The event's `time` names the schedule
 * slot, so EventBridge's at-least-once delivery and Lambda's retries plan the same conversion id.
 */
export const convertLambda = poolLambda({
  name: 'convert',
  env: convertEnvSchema,
  build: convertDeps,
  run: async (event: { time?: string } | undefined, d: Deps, { log, emit }): Promise<unknown> => {
    const report = await runConversions({ ...d, log, now: Date.now }, event ?? {});
    // The alarms on deposits waiting too long for the exchange's credit and on conversions left open
    // (infra/constructs/coin-alarms.ts).
    emit(
      emfRecord(
        d.coin,
        {
          DepositWaitHours: report.depositsWaiting.oldestMs / 3_600_000,
          ConversionOpenHours: report.open.oldestMs / 3_600_000,
        },
        Date.now(),
      ),
    );
    return jsonSafe(report);
  },
});

export const handler = poolHandler(convertLambda);
