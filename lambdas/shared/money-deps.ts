import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { DynamoAccountReaders } from '../../adapters/aws/dynamo-account-readers.js';
import { DynamoAuxAddressStore } from '../../adapters/aws/dynamo-aux-address-store.js';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoConversionStore } from '../../adapters/aws/dynamo-conversion-store.js';
import { DynamoMoneyStore } from '../../adapters/aws/dynamo-money-store.js';
import { createDynamoShareStores, type DynamoShareStores } from '../../adapters/aws/dynamo-share-store.js';
import { NETWORK_NAMES } from '../../core/coins/registry.js';
import { payoutSecretField, resolveDaemonCredentials } from '../../core/config/credentials.js';
import { jsonVar } from '../../core/config/env.js';
import { parseConfigText } from '../../core/config/load.js';
import { isMergedCoin, roundsCoinOf } from '../../core/config/merged.js';
import type { CoinConfig, PoolConfig } from '../../core/config/schema.js';
import { type ForeignAccounts, foreignAccountsOf } from '../../core/conversion/exclusion.js';
import { ConfigError, StorageError } from '../../core/errors.js';
import type { ConfirmationRules } from '../../core/ports/chain-reader.js';
import type { AnyPayoutSender } from '../../core/ports/payout-sender.js';
import { type ChainFamily, upstreamPorts } from '../../families/chain-family.js';
import { CHAIN_FAMILIES, type ChainFamilies } from '../../families/registry.js';

/**
 * The payout currencies of the switching ports that mine the coin and pay in another one (issue 17;
 * core/conversion/exclusion.ts `foreignPayoutCurrencies`, set by the CDK app): their addresses on the coin's ledger
 * are foreign accounts, never paid on the coin's chain, only converted. Absent: the coin has none.
 */
export const foreignPayoutCurrenciesVar = jsonVar(
  z.array(z.strictObject({ symbol: z.string().min(1), network: z.enum(NETWORK_NAMES) })).min(1),
).optional();

/** The coin's foreign-account rule from FOREIGN_PAYOUT_CURRENCIES, or undefined when no switching port pays it away. */
export function foreignFromEnv(
  coin: Readonly<CoinConfig>,
  payouts: z.output<typeof foreignPayoutCurrenciesVar>,
): ForeignAccounts | undefined {
  return payouts ? foreignAccountsOf(coin, ...payouts) : undefined;
}

/** The environment of the money Lambdas (confirmation, payouts), set by infra/stacks/coin-stack.ts. */
export const moneyEnvSchema = z.object({
  POOL_COIN: z.string().min(1),
  /** The coin's container config (daemon credentials as markers). */
  POOL_CONFIG_JSON: z.string().min(1),
  /**
   * Secrets Manager ARN of {"user","password"} for the daemons' RPC: set by the CDK app when the coin's chain family
   * says its nodes take credentials (FamilyDeployment.daemonSecret), and then required (coinFromEnv).
   */
  DAEMON_SECRET_ARN: z.string().min(1).optional(),
  /**
   * Secrets Manager ARN of the coin's payout secret (a plain string): given to the payouts Lambda only, for a coin
   * whose payouts need one (core/config/credentials.ts payoutSecretField): btcwallet's passphrase, which unlocks the
   * wallet to sign, or the pool key an Ethereum-family coin signs its payouts with.
   */
  PAYOUT_WALLET_SECRET_ARN: z.string().min(1).optional(),
  /**
   * The shares table of the coin whose rounds pay this coin's blocks (core/config/merged.ts `roundsCoinOf`): its own,
   * or, for a merge-mined coin, its parent's (read only).
   */
  SHARES_TABLE: z.string().min(1),
  /** The coin's stats table; a merge-mined coin has none (no stratum, no ingest of its own). */
  STATS_TABLE: z.string().min(1).optional(),
  BLOCKS_TABLE: z.string().min(1),
  LEDGER_TABLE: z.string().min(1),
  FOREIGN_PAYOUT_CURRENCIES: foreignPayoutCurrenciesVar,
  /**
   * The pool-wide accounts table (issue 19), read only: accounts' payout settings (payouts) and referrals
   * (confirmation). Set by the CDK app when the pool config has `accounts`; absent: no accounts.
   */
  POOL_ACCOUNTS_TABLE: z.string().min(1).optional(),
});

export interface MoneyDeps {
  coin: Readonly<CoinConfig>;
  shares: DynamoShareStores;
  money: DynamoMoneyStore;
  /** The confirmation rules of the coin's chain family (families/): its chain reader and maturity. */
  rules: ConfirmationRules;
  /** The coin's payout sender (its chain family's), built when a pass pays. */
  sender: () => AnyPayoutSender;
  /** A proxied coin's pool wallet and upstream payouts store (families/chain-family.ts `upstreamPorts`); {} otherwise. */
  upstream?: () => ReturnType<typeof upstreamPorts>;
  /** A converting coin's preferences and conversions (on its ledger table): payouts leave opted-in miners alone. */
  conversions?: DynamoConversionStore;
  /** A merge-mined coin's miners' aux payout addresses (on its ledger table): where its payouts go. */
  auxAddresses?: DynamoAuxAddressStore;
  /** Switching ports paying the coin's miners in another currency: those accounts are never paid here. */
  foreign?: ForeignAccounts;
  /** The pool has accounts (POOL_ACCOUNTS_TABLE): their settings and referrals, and the referrers' fee share. */
  accounts?: { readers: DynamoAccountReaders; feeSharePercent: number };
}

/**
 * Builds the clients from the environment on the first invocation (never at import). `families`: where the coin's
 * chain family is found (tests register their own).
 */
export async function moneyDeps(
  e: z.output<typeof moneyEnvSchema>,
  families: ChainFamilies = CHAIN_FAMILIES,
): Promise<MoneyDeps> {
  // Confirmation and payouts read the chain and send from the wallet: they always talk to the coin's nodes.
  const { coin, family, config } = await coinFromEnv(e, families, () => 'confirmation and payouts');
  const doc = createDocumentClient(new DynamoDBClient({}));
  // Money is the coin's own; shares are read for the coin whose rounds pay it (a merge-mined coin's parent).
  const roundsCoin = roundsCoinOf(coin);
  const only = <T>(serves: string, c: string, names: T): T => {
    if (c !== serves) throw new StorageError(`this function reads ${serves} here, not ${c}`);
    return names;
  };
  const tables = {
    shares: e.SHARES_TABLE,
    get stats(): string {
      if (!e.STATS_TABLE) throw new StorageError(`${e.POOL_COIN} has no stats table (merge-mined)`);
      return e.STATS_TABLE;
    },
    blocks: e.BLOCKS_TABLE,
    ledger: e.LEDGER_TABLE,
  };
  const money = (c: string) => only(e.POOL_COIN, c, tables);
  const payer = e.PAYOUT_WALLET_SECRET_ARN ? await withPayoutSecret(coin, e.PAYOUT_WALLET_SECRET_ARN) : coin;
  const store = new DynamoMoneyStore(doc, money);
  return {
    coin,
    shares: createDynamoShareStores({ doc, tables: (c) => only(roundsCoin, c, tables) }),
    money: store,
    rules: family.money.confirmation(coin),
    sender: () => family.money.payoutSender(payer),
    upstream: () => upstreamPorts(family, coin, store),
    ...(coin.conversion ? { conversions: new DynamoConversionStore(doc, money) } : {}),
    ...(isMergedCoin(coin)
      ? { auxAddresses: new DynamoAuxAddressStore({ doc, ledgerTable: (c) => money(c).ledger }) }
      : {}),
    ...(e.FOREIGN_PAYOUT_CURRENCIES ? { foreign: foreignFromEnv(coin, e.FOREIGN_PAYOUT_CURRENCIES) } : {}),
    ...(e.POOL_ACCOUNTS_TABLE
      ? {
          accounts: {
            readers: new DynamoAccountReaders({ doc, table: e.POOL_ACCOUNTS_TABLE }),
            feeSharePercent: config.accounts?.referrals.feeSharePercent ?? 0,
          },
        }
      : {}),
  };
}

/** The coin with its payout secret (a wallet passphrase or a key) read from the secret: never logged, never in an environment. */
async function withPayoutSecret(coin: Readonly<CoinConfig>, secretArn: string): Promise<Readonly<CoinConfig>> {
  const field = payoutSecretField(coin);
  if (!coin.payouts || !field) return coin;
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
  // A passphrase is taken as written; a key may carry the newline an editor added.
  const value = (field === 'privateKey' ? secret.SecretString?.trim() : secret.SecretString) ?? '';
  if (!value) throw new ConfigError(`the payout wallet secret of ${coin.symbol} is empty`);
  if (field === 'privateKey' && !/^0x[0-9a-fA-F]{64}$/.test(value))
    throw new ConfigError(`the payout wallet secret of ${coin.symbol} is not a 0x-prefixed 32-byte hex key`);
  return { ...coin, payouts: { ...coin.payouts, [field]: value } };
}

/** What a money Lambda's environment says of its coin. */
export interface CoinEnv {
  POOL_COIN: string;
  /** The coin's container config (daemon credentials as markers). */
  POOL_CONFIG_JSON: string;
  DAEMON_SECRET_ARN?: string | undefined;
}

/**
 * The function's coin and its chain family, from the container config, its daemon credentials read from the
 * secret when the CDK app passed one. `talksToNodes` says why this function (for this coin) talks to the coin's
 * nodes, or undefined when it does not; when it does and the family's nodes take credentials, the secret is required.
 */
export async function coinFromEnv(
  e: CoinEnv,
  families: ChainFamilies,
  talksToNodes: (coin: Readonly<CoinConfig>) => string | undefined,
): Promise<{ coin: Readonly<CoinConfig>; family: ChainFamily; config: Readonly<PoolConfig> }> {
  const config = e.DAEMON_SECRET_ARN
    ? await configWithDaemonSecret(new SecretsManagerClient({}), e.POOL_CONFIG_JSON, e.DAEMON_SECRET_ARN)
    : parseConfigText(e.POOL_CONFIG_JSON, 'POOL_CONFIG_JSON');
  const coin = config.coins.find((c) => c.symbol === e.POOL_COIN);
  if (!coin) throw new ConfigError(`POOL_COIN ${e.POOL_COIN} is not in POOL_CONFIG_JSON`);
  const family = families.forCoin(coin);
  const why = talksToNodes(coin);
  if (why && family.deployment.daemonSecret && !e.DAEMON_SECRET_ARN) {
    throw new ConfigError(
      `${coin.symbol} ${why} need DAEMON_SECRET_ARN: the ${family.name} family's nodes take RPC credentials`,
    );
  }
  return { coin, family, config };
}

/** The container config (POOL_CONFIG_JSON) with its daemon credential markers replaced by the secret's values. */
export async function configWithDaemonSecret(
  secrets: SecretsManagerClient,
  configJson: string,
  secretArn: string,
): Promise<Readonly<PoolConfig>> {
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const creds = JSON.parse(secret.SecretString ?? '{}') as { user?: string; password?: string };
  return resolveDaemonCredentials(parseConfigText(configJson, 'POOL_CONFIG_JSON'), {
    POOL_DAEMON_USER: creds.user,
    POOL_DAEMON_PASSWORD: creds.password,
  });
}
