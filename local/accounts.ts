import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CognitoIdentity } from '../adapters/aws/cognito-identity.js';
import { DynamoAccountStore } from '../adapters/aws/dynamo-account-store.js';
import { createDocumentClient } from '../adapters/aws/dynamo-client.js';
import { ensureAccountsTable } from '../adapters/aws/tables.js';
import { SmtpMailer } from '../adapters/mail/smtp-mailer.js';
import { WebhookSender } from '../adapters/notify/webhook.js';
import { accountCoins } from '../app/accounts/coins.js';
import { type AccountApiDeps, bindRoutes } from '../app/accounts/deps.js';
import { type NotifyRouteDeps, notificationRoutes } from '../app/notify/routes.js';
import type { PoolConfig } from '../core/config/schema.js';
import type { ConversionStore } from '../core/ports/conversion-store.js';
import type { Logger } from '../core/ports/logger.js';
import type { LedgerStore, MoneyStore, PayoutStore } from '../core/ports/money-store.js';
import { type LocalCognito, startLocalCognito } from './cognito.js';
import { describeMail, type MailSink, startMailSink } from './mail-sink.js';
import { type LocalNotify, type LocalNotifyOptions, type LocalNotifyReaders, startLocalNotify } from './notify.js';
import { LOCAL_TABLE_PREFIX } from './storage.js';

export interface LocalAccounts {
  /** The account API's deps, but the stats readers (local/api.ts adds its own). */
  deps: Omit<AccountApiDeps, 'stats'>;
  cognito: LocalCognito;
  mailSink: MailSink;
  /** The notification pass on its timer (absent: the caller gave no share and money readers to watch). */
  notify?: LocalNotify;
  stop(): Promise<void>;
}

/**
 * Miner accounts in local mode (config `accounts`): the same account API as the accounts Lambda, on the accounts
 * table in dynalite, a cognito-local user pool (its users under `<dataDir>/cognito`) instead of Amazon Cognito and an
 * SMTP sink on loopback instead of SES. Each mail the sink receives is printed on the console with its links (the
 * confirmation and money-change links), as there is no mailbox to read them from.
 */
export async function startLocalAccounts(opts: {
  config: Readonly<PoolConfig>;
  dataDir: string;
  client: DynamoDBClient;
  money: Pick<MoneyStore, 'listAccountEntries'>;
  conversions?: Pick<ConversionStore, 'replacePreference'>;
  /** What the notification pass watches (workers, blocks, payouts); absent: no pass runs. */
  watch?: {
    shares: LocalNotifyReaders;
    money: Pick<LedgerStore, 'listRecentEntries' | 'getBalance'> & Pick<PayoutStore, 'getPayouts'>;
    options?: LocalNotifyOptions;
  };
  log: Logger;
}): Promise<LocalAccounts | undefined> {
  const accounts = opts.config.accounts;
  if (!accounts) return undefined;
  const table = await ensureAccountsTable(opts.client, LOCAL_TABLE_PREFIX);
  // Passkeys for the dashboard's origin (a browser refuses an IP address as the relying party: use a host name).
  const dashboard = new URL(accounts.publicUrl);
  const cognito = await startLocalCognito({
    dataDir: opts.dataDir,
    passkeys: { relyingPartyId: dashboard.hostname, origin: dashboard.origin },
  });
  let mailSink: MailSink;
  try {
    mailSink = await startMailSink({ onMail: (mail) => opts.log.info({}, describeMail(mail)) });
  } catch (err) {
    await cognito.stop();
    throw err;
  }
  const converting = opts.config.coins.some((c) => c.conversion !== undefined);
  const doc = createDocumentClient(opts.client);
  const store = new DynamoAccountStore(doc, table);
  const mailer = new SmtpMailer({ host: mailSink.host, port: mailSink.port, from: accounts.mailFrom });
  const channels = { mailer, webhooks: new WebhookSender({ mode: 'local' }) };
  // The notification pass on its timer: email to the sink, webhooks (loopback allowed locally), Telegram only with a
  // bot token in the environment (local/notify.ts).
  const pass = opts.watch
    ? startLocalNotify({ config: opts.config, doc, table, accounts: store, ...opts.watch, channels, log: opts.log })
    : undefined;
  // The notification routes (settings, test button, Telegram link codes) on the same router, on the same channels.
  const notify: NotifyRouteDeps = {
    accounts: store,
    poolName: opts.config.pool.name,
    ...(pass?.channels ?? channels),
    ...(accounts.notifications.telegramBot ? { telegramBot: accounts.notifications.telegramBot } : {}),
    now: Date.now,
    log: opts.log,
  };
  return {
    cognito,
    mailSink,
    ...(pass ? { notify: pass } : {}),
    deps: {
      pool: { name: opts.config.pool.name },
      accounts,
      coins: new Map(accountCoins(opts.config).map((c) => [c.symbol, c])),
      store,
      identity: new CognitoIdentity({
        client: cognito.client,
        userPoolId: cognito.userPoolId,
        clientId: cognito.clientId,
        issuer: cognito.issuer,
        jwksUrl: cognito.jwksUrl,
      }),
      mailer,
      ...(converting && opts.conversions ? { conversion: opts.conversions } : {}),
      money: opts.money,
      now: Date.now,
      log: opts.log,
      extraRoutes: bindRoutes(notificationRoutes, notify),
    },
    async stop() {
      await pass?.stop();
      mailer.close();
      await mailSink.stop();
      await cognito.stop();
    },
  };
}
