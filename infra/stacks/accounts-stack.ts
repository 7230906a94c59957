import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, type Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  AccountRecovery,
  type CfnUserPool,
  FeaturePlan,
  Mfa,
  PasskeyUserVerification,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ACCOUNTS_TABLE, accountsTableName } from '../../adapters/aws/tables.js';
import type { PublicConversion } from '../../app/stats/public.js';
import type { MoneyChangeCoin } from '../../core/accounts/rules.js';
import type { AuxChainConfig } from '../../core/config/aux-chains.js';
import type { AccountsConfig } from '../../core/config/schema.js';
import { ConfigError } from '../../core/errors.js';
import { accountsLambdaEnvSchema } from '../../lambdas/accounts/handler.js';
import { ORIGIN_SECRET_HEADER, VIEWER_IP_HEADER } from '../../lambdas/accounts/origin.js';
import { notifyEnvSchema } from '../../lambdas/notify/handler.js';
import type { EnvironmentSchema } from '../constructs/environment-check.js';
import { PoolFunction } from '../constructs/pool-function.js';
import { grantTable, onlyPartitions, type PoolTable, PoolTables } from '../constructs/pool-tables.js';
import { acknowledge } from '../nag.js';
import { REPO_ROOT } from '../pool-config.js';
import { type DeploySettings, STAGES } from '../settings.js';
import { ACCOUNTS_TABLE_SPEC } from '../tables.js';

/**
 * The routes of the account API that answer without a signed-in user (docs/accounts.md): signing up and in, the
 * emailed links (the token is the proof), watcher links, and the Telegram bot's webhook (the Lambda checks
 * Telegram's secret-token header). Every other route under /api/account goes through the JWT authorizer.
 */
export const PUBLIC_ACCOUNT_ROUTES: readonly { method: 'GET' | 'POST'; path: string }[] = [
  { method: 'POST', path: '/api/account/signup' },
  { method: 'POST', path: '/api/account/confirm' },
  { method: 'POST', path: '/api/account/password/forgot' },
  { method: 'POST', path: '/api/account/password/reset' },
  { method: 'POST', path: '/api/account/signin' },
  { method: 'POST', path: '/api/account/signin/totp' },
  { method: 'POST', path: '/api/account/signin/recovery' },
  { method: 'POST', path: '/api/account/signin/passkey/start' },
  { method: 'POST', path: '/api/account/signin/passkey' },
  { method: 'POST', path: '/api/account/refresh' },
  { method: 'POST', path: '/api/account/changes/confirm' },
  { method: 'GET', path: '/api/watch/{token}' },
  { method: 'POST', path: '/api/telegram/webhook' },
];

/** Routes a password guesser, a sign-up flood or a reset-mail flood would use: their own, lower throttle. */
const SIGN_IN_ROUTES = [
  '/api/account/signup',
  '/api/account/password/forgot',
  '/api/account/password/reset',
  '/api/account/signin',
  '/api/account/signin/totp',
  '/api/account/signin/recovery',
  '/api/account/signin/passkey/start',
  '/api/account/signin/passkey',
];

/** Where CloudFront sends the account API (infra/stacks/api-stack.ts): these paths go to the HTTP API. */
export const ACCOUNT_PATH_PATTERNS = ['/api/account/*', '/api/watch/*', '/api/telegram/*'] as const;

/** The headers CloudFront adds to every account API request: see lambdas/accounts/origin.ts. */
export { ORIGIN_SECRET_HEADER, VIEWER_IP_HEADER };

/**
 * The Cognito actions on its own pool the accounts Lambda calls with its role (adapters/aws/cognito-identity.ts):
 * sign-up creates the user disabled (create, disable, set the password; delete if a step fails), the emailed link
 * sets the password its holder chose, enables the user and marks the email verified, a reset link sets a new password
 * (confirmed users only: AdminGetUser), a recovery code turns TOTP off, and either ends the user's other sessions
 * (AdminUserGlobalSignOut).
 */
export const COGNITO_ADMIN_ACTIONS = [
  'cognito-idp:AdminCreateUser',
  'cognito-idp:AdminDisableUser',
  'cognito-idp:AdminSetUserPassword',
  'cognito-idp:AdminDeleteUser',
  'cognito-idp:AdminEnableUser',
  'cognito-idp:AdminUpdateUserAttributes',
  'cognito-idp:AdminGetUser',
  'cognito-idp:AdminSetUserMFAPreference',
  'cognito-idp:AdminUserGlobalSignOut',
];

export interface AccountsStackProps extends StackProps {
  accounts: Readonly<AccountsConfig>;
  settings: DeploySettings;
  /** `<name>-<stage>`: the accounts table gets the fixed name `<prefix>-accounts` (accountsTableName). */
  prefix: string;
  /** The pool config's `pool.name`: named in the notifications. */
  poolName: string;
  /** Every coin's tables (their stacks), read by the watcher views, the referral earnings and the notifications. */
  coinTables: Readonly<Record<string, ReadonlyMap<string, PoolTable>>>;
  /** What the API may show of the pool config (app/stats/public.ts publicPool): no daemons, wallets, credentials. */
  publicPool: unknown;
  /**
   * The converting coins' public conversion config (app/stats/public.ts publicConversion), as the stats Lambda gets
   * it: an account's currency change writes its identities' CONVPREF items on these coins' ledgers.
   */
  conversions: Readonly<Record<string, PublicConversion>>;
  /** app/accounts/coins.ts accountCoins(<config>): what money changes are checked against. */
  accountCoins: readonly MoneyChangeCoin[];
  /** The pool config's `auxChains`, registered by the Lambdas as the stats Lambda does (POOL_AUX_CHAINS_JSON). */
  auxChains: readonly AuxChainConfig[];
  alarmTopic: ITopic;
  entries: { accounts: string; notify: string };
  /** The handlers' env schemas (default: theirs), checked at synth against the environment given here. */
  envSchemas?: { accounts?: EnvironmentSchema; notify?: EnvironmentSchema };
}

/**
 * Miner accounts (issue 19), pool-wide: the accounts table, the Cognito user pool (email + password, optional TOTP),
 * the account API (API Gateway HTTP API with a Cognito JWT authorizer, throttled, access-logged) and its Lambda,
 * the SES identity the pool mails from, the Telegram bot's secret, and the scheduled notification pass. No coin stack
 * depends on this one: a coin's money Lambdas read the accounts table by its fixed name (coin-money.ts).
 */
export class AccountsStack extends Stack {
  readonly table: PoolTable;
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accounts: PoolFunction;
  readonly notify: PoolFunction;
  /**
   * The bot token (the secret's whole string), set by the operator after deploy; until then a generated placeholder.
   * The webhook's secret token is derived from it (core/notify/signature.ts telegramWebhookSecret).
   */
  readonly telegramBot?: Secret;
  readonly mailIdentity: EmailIdentity;
  /** CloudFront's proof to the account API (ORIGIN_SECRET_HEADER): generated, never in a template. */
  readonly originSecret: Secret;

  constructor(scope: Construct, id: string, props: AccountsStackProps) {
    super(scope, id, props);
    for (const entry of Object.values(props.entries)) {
      if (!existsSync(resolve(REPO_ROOT, entry)))
        throw new ConfigError(`the pool config has accounts, but their Lambda ${entry} does not exist`);
    }
    const stage = STAGES[props.settings.stage];
    const { accounts } = props;

    const tables = new PoolTables(this, 'Tables', {
      // Fixed name: the coins' money Lambdas read it by this name without a reference to this stack.
      specs: [{ ...ACCOUNTS_TABLE_SPEC, tableName: accountsTableName(props.prefix) }],
      removalPolicy: stage.removalPolicy,
      deletionProtection: stage.deletionProtection,
    });
    this.table = tables.get(ACCOUNTS_TABLE.suffix);

    // --- Cognito ------------------------------------------------------------------------------------------------
    this.userPool = new UserPool(this, 'Users', {
      userPoolName: `${props.prefix}-miners`,
      // Only the accounts Lambda creates users (AdminCreateUser, disabled until the emailed link is followed): the app
      // client id is public, and a SignUp with it would skip the account API's limits and squat an email.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      // The pool mails its own confirmation link and then enables the user (AdminEnableUser + email_verified):
      // Cognito itself sends nothing on sign-up (AdminCreateUser with MessageAction SUPPRESS).
      autoVerify: { email: false },
      passwordPolicy: {
        // The account API's own rule (docs/accounts.md): 10+ characters with lower, upper case and a digit.
        minLength: 10,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: false,
        tempPasswordValidity: Duration.days(1),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      // Passkeys (optional per user): the USER_AUTH flow's WEB_AUTHN challenge beside the password, for the
      // dashboard's domain as relying party (a passkey made there works only there), user verification (PIN or
      // biometrics) required.
      signInPolicy: { allowedFirstAuthFactors: { password: true, passkey: true } },
      passkeyRelyingPartyId: new URL(accounts.publicUrl).hostname,
      passkeyUserVerification: PasskeyUserVerification.REQUIRED,
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Plus: threat protection blocks sign-ins with leaked credentials and risky sign-ins, beside the API's lockout.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: stage.deletionProtection,
      removalPolicy: stage.removalPolicy,
    });
    // A passkey with user verification is two factors (the device and its PIN or biometrics): it signs in without
    // the TOTP step, as local mode's emulation does (local/cognito-passkeys.ts).
    (this.userPool.node.defaultChild as CfnUserPool).webAuthnFactorConfiguration =
      'MULTI_FACTOR_WITH_USER_VERIFICATION';
    acknowledge(
      this.userPool,
      'AwsSolutions-COG1',
      'Symbols are not required (NIST SP 800-63B advises against composition rules): 10+ characters with three classes, leaked passwords blocked by threat protection',
    );
    acknowledge(
      this.userPool,
      'AwsSolutions-COG2',
      'Two-factor is optional by design (issue 19): every money change needs the TOTP code and an emailed link, so an account without TOTP cannot move money',
    );
    this.client = this.userPool.addClient('Web', {
      // USER_PASSWORD_AUTH through the API (the Lambda calls InitiateAuth), USER_AUTH for passkey sign-in, refresh
      // tokens; no hosted UI, no OAuth.
      authFlows: { userPassword: true, user: true },
      disableOAuth: true,
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    // --- mail and the Telegram bot ------------------------------------------------------------------------------
    const domain = accounts.mailFrom.slice(accounts.mailFrom.lastIndexOf('@') + 1);
    this.mailIdentity = new EmailIdentity(this, 'MailFrom', {
      identity:
        props.settings.accounts.mailIdentity === 'domain' ? Identity.domain(domain) : Identity.email(accounts.mailFrom),
    });
    // The Telegram channel exists when the config names the bot (accounts.notifications.telegramBot).
    if (accounts.notifications.telegramBot) {
      this.telegramBot = new Secret(this, 'TelegramBot', {
        description: `Telegram bot token of @${accounts.notifications.telegramBot}: put the BotFather token here after deploy (the whole string)`,
        // A random placeholder until then: not a bot token, so the Lambdas refuse it and no update is accepted.
        generateSecretString: { excludePunctuation: true, passwordLength: 46 },
        removalPolicy: stage.removalPolicy,
      });
      acknowledge(
        this.telegramBot,
        'AwsSolutions-SMG4',
        'A bot token is issued by Telegram (BotFather /revoke): Secrets Manager cannot rotate it',
      );
    }

    this.originSecret = new Secret(this, 'OriginSecret', {
      description: `CloudFront's ${ORIGIN_SECRET_HEADER} header value to the account API: requests without it did not come through the distribution`,
      generateSecretString: { excludePunctuation: true, passwordLength: 64 },
      removalPolicy: stage.removalPolicy,
    });
    acknowledge(
      this.originSecret,
      'AwsSolutions-SMG4',
      'CloudFront reads it when the distribution is deployed: a rotation needs a redeploy of the API stack, not a rotation Lambda',
    );

    // --- the Lambdas ---------------------------------------------------------------------------------------------
    const tableNames = this.toJsonString(
      Object.fromEntries(
        Object.entries(props.coinTables).map(([symbol, t]) => [
          symbol,
          Object.fromEntries([...t].map(([name, table]) => [name, table.table.tableName])),
        ]),
      ),
    );
    // Both Lambdas: the accounts table, reads of every coin's tables, mail from mailFrom, the bot token's secret.
    const poolFunction = (fid: string, entry: string, description: string, schema: EnvironmentSchema) => {
      const f = new PoolFunction(this, fid, {
        entry,
        description,
        environmentSchema: schema,
        logRetention: stage.logRetention,
        timeout: Duration.seconds(fid === 'Notify' ? 120 : 15),
        // Bounded: a flood of requests gets API Gateway's 429/503s instead of unbounded Cognito and DynamoDB calls.
        reservedConcurrency: fid === 'Notify' ? 1 : 20,
      });
      f.useTable('POOL_ACCOUNTS_TABLE', this.table, 'readWrite');
      for (const tables of Object.values(props.coinTables)) for (const t of tables.values()) grantTable(f, t, 'read');
      f.addEnvironment('POOL_TABLES_JSON', tableNames);
      if (this.telegramBot) f.useSecret('TELEGRAM_BOT_TOKEN_SECRET_ARN', this.telegramBot);
      this.allowMail(f, accounts.mailFrom);
      return f;
    };
    this.accounts = poolFunction(
      'Accounts',
      props.entries.accounts,
      'miner accounts API',
      props.envSchemas?.accounts ?? accountsLambdaEnvSchema,
    );
    this.accounts.addEnvironment('POOL_ACCOUNTS_JSON', JSON.stringify(accounts));
    this.accounts.addEnvironment('POOL_PUBLIC_JSON', this.toJsonString(props.publicPool));
    if (props.auxChains.length > 0)
      this.accounts.addEnvironment('POOL_AUX_CHAINS_JSON', JSON.stringify(props.auxChains));
    // Each paying coin's network, payout bounds and conversion targets (app/accounts/coins.ts accountCoins).
    this.accounts.addEnvironment('POOL_ACCOUNT_COINS_JSON', JSON.stringify(props.accountCoins));
    this.accounts.useSecret('POOL_ORIGIN_SECRET_ARN', this.originSecret);
    this.accounts.addEnvironment('COGNITO_USER_POOL_ID', this.userPool.userPoolId);
    this.accounts.addEnvironment('COGNITO_CLIENT_ID', this.client.userPoolClientId);
    this.userPool.grant(this.accounts, ...COGNITO_ADMIN_ACTIONS);
    // A currency change is the conversion preference of the account's identities: a conditional put of CONVPREF
    // items on the converting coins' ledgers, nothing else of them.
    if (Object.keys(props.conversions).length > 0)
      this.accounts.addEnvironment('POOL_CONVERSION_JSON', JSON.stringify(props.conversions));
    for (const symbol of Object.keys(props.conversions)) {
      const ledger = props.coinTables[symbol]?.get('ledger');
      if (ledger)
        this.accounts.addToRolePolicy(
          new PolicyStatement({
            actions: ['dynamodb:PutItem'],
            resources: [ledger.table.tableArn],
            conditions: onlyPartitions(['CONVPREF']),
          }),
        );
    }

    this.notify = poolFunction(
      'Notify',
      props.entries.notify,
      'miner notifications: worker offline, hashrate drop, blocks, payouts, address changes',
      props.envSchemas?.notify ?? notifyEnvSchema,
    );
    this.notify.addEnvironment('POOL_NAME', props.poolName);
    this.notify.addEnvironment('MAIL_FROM', accounts.mailFrom);
    this.notify.addEnvironment('NOTIFY_DIGEST_AFTER', String(accounts.notifications.digestAfter));
    this.notify.addEnvironment('NOTIFY_WEBHOOK_MAX_ATTEMPTS', String(accounts.notifications.webhookMaxAttempts));
    this.notify.runEvery(Duration.minutes(Math.ceil(accounts.notifications.evaluateSeconds / 60)));

    // --- the HTTP API ------------------------------------------------------------------------------------------
    this.api = new HttpApi(this, 'Api', {
      description: 'miner accounts API (behind CloudFront /api/account, /api/watch, /api/telegram)',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: stage.logRetention,
      removalPolicy: stage.removalPolicy,
    });
    const rate = props.settings.accounts;
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: rate.apiRatePerSecond, burstLimit: rate.apiRatePerSecond * 2 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // No request bodies or headers: they hold passwords and tokens.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            time: '$context.requestTime',
            route: '$context.routeKey',
            status: '$context.status',
            latency: '$context.responseLatency',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const signInThrottle = {
      ThrottlingRateLimit: rate.signInRatePerSecond,
      ThrottlingBurstLimit: rate.signInRatePerSecond * 2,
    };
    (this.stage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries(
      SIGN_IN_ROUTES.map((path) => [`POST ${path}`, signInThrottle]),
    );

    const integration = new HttpLambdaIntegration('AccountsIntegration', this.accounts);
    const authorizer = new HttpUserPoolAuthorizer('Jwt', this.userPool, { userPoolClients: [this.client] });
    for (const { method, path } of PUBLIC_ACCOUNT_ROUTES) {
      const [route] = this.api.addRoutes({
        path,
        methods: [HttpMethod[method]],
        integration,
        authorizer: new HttpNoneAuthorizer(),
      });
      acknowledge(
        route!,
        'AwsSolutions-APIG4',
        `${method} ${path} answers without a signed-in user by design (sign-up/in, emailed links, watcher links, the bot webhook checked by its secret token)`,
      );
    }
    // Everything else under /api/account needs a valid access token of this pool's client (the Lambda verifies it
    // again: the same code path as local mode).
    this.api.addRoutes({ path: '/api/account/{proxy+}', methods: [HttpMethod.ANY], integration, authorizer });

    // --- alarms to the operators' topic ----------------------------------------------------------------------------
    const alarm = (aid: string, metric: Metric, description: string) =>
      new Alarm(this, aid, {
        metric,
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }).addAlarmAction(new SnsAction(props.alarmTopic));
    alarm('AccountsErrors', this.accounts.metricErrors({ period: Duration.minutes(5) }), 'accounts Lambda errors');
    alarm('NotifyErrors', this.notify.metricErrors({ period: Duration.minutes(5) }), 'notification Lambda errors');
    alarm(
      'Api5xx',
      this.api.metricServerError({ period: Duration.minutes(5) }),
      'the account API answered 5xx: see the accounts Lambda logs',
    );

    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    if (this.telegramBot)
      new CfnOutput(this, 'TelegramBotSecretArn', {
        description: 'put the bot token in it (docs/deploy.md), then register the webhook',
        value: this.telegramBot.secretArn,
      });
    new CfnOutput(this, 'AccountsApiEndpoint', {
      description: 'the HTTP API (reached through CloudFront /api/account, /api/watch, /api/telegram)',
      value: this.api.apiEndpoint,
    });
  }

  /** The HTTP API's domain, CloudFront's origin for ACCOUNT_PATH_PATTERNS. */
  get apiDomain(): string {
    return `${this.api.apiId}.execute-api.${this.region}.${this.urlSuffix}`;
  }

  /** ses:SendEmail through the pool's identity only, and only with `mailFrom` as the sender. */
  private allowMail(f: PoolFunction, mailFrom: string): void {
    f.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [this.mailIdentity.emailIdentityArn],
        conditions: { StringEquals: { 'ses:FromAddress': mailFrom } },
      }),
    );
  }
}
