import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_ROUTES } from '../../app/accounts/api.js';
import { notificationRoutes } from '../../app/notify/routes.js';
import type { PoolStacks } from '../../infra/pool-app.js';
import { REPO_ROOT } from '../../infra/pool-config.js';
import {
  COGNITO_ADMIN_ACTIONS,
  ORIGIN_SECRET_HEADER,
  PUBLIC_ACCOUNT_ROUTES,
  VIEWER_IP_HEADER,
} from '../../infra/stacks/accounts-stack.js';
import { address, buildTestApp, coin, DAEMON_PASSWORD, difficulty, FIXTURE_ENTRIES } from './helpers.js';

const accounts = {
  publicUrl: 'https://pool.example.org',
  mailFrom: 'pool@example.org',
  notifications: { evaluateSeconds: 90, telegramBot: 'edgepool_test_bot' },
};
const settings = {
  alarmEmail: 'ops@example.org',
  alerts: { emails: ['oncall@example.org'], telegramChatId: '-1001234' },
};
/** A bot token as local mode reads it from the environment: it must never reach a template. */
const BOT_TOKEN = '7312345678:AAF-test-bot-token-never-in-a-template';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** The statements of the role policies of a function (by its construct id's prefix). */
function statementsOf(t: Template, fid: string): Statement[] {
  return Object.entries(t.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(`${fid}Role`))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
}

describe('the accounts stack (config with accounts)', () => {
  let app: App;
  let stacks: PoolStacks;
  let t: Template;
  const saved = process.env.TELEGRAM_BOT_TOKEN;
  beforeAll(() => {
    process.env.TELEGRAM_BOT_TOKEN = BOT_TOKEN;
    ({ app, stacks } = buildTestApp(
      {
        coins: [coin('LTC', [{ port: 3333, difficulty }]), coin('BTC', [{ port: 4333, difficulty }])],
        accounts,
      },
      settings,
    ));
    t = Template.fromStack(stacks.accounts!);
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TELEGRAM_BOT_TOKEN;
    else process.env.TELEGRAM_BOT_TOKEN = saved;
  });

  it('synthesizes with cdk-nag clean', () => {
    expect(stacks.accounts?.stackName).toBe('edgepool-dev-accounts');
    expect(() => app.synth()).not.toThrow();
  });

  it('keeps the accounts table as the adapters define it: PITR, TTL on `ttl`, the byKind index, a fixed name', () => {
    t.resourceCountIs('AWS::DynamoDB::Table', 1);
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'edgepool-dev-accounts',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'byKind',
          KeySchema: [
            { AttributeName: 'kind', KeyType: 'HASH' },
            { AttributeName: 'pk', KeyType: 'RANGE' },
          ],
        }),
      ],
    });
  });

  it('has a user pool with email as user name, optional TOTP (no SMS), a password policy, recovery by email and threat protection enforced', () => {
    t.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      // The pool mails its own confirmation link: Cognito sends no code of its own at sign-up.
      AutoVerifiedAttributes: [],
      // No self sign-up with the public app client id: only the accounts Lambda creates users.
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 10,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
        }),
      },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
    const pool = Object.values(t.findResources('AWS::Cognito::UserPool'))[0]!.Properties;
    expect(pool.SmsConfiguration).toBeUndefined();
  });

  it('offers passkeys for the dashboard’s domain only, with user verification, beside the password', () => {
    t.hasResourceProperties('AWS::Cognito::UserPool', {
      WebAuthnRelyingPartyID: 'pool.example.org',
      WebAuthnUserVerification: 'required',
      WebAuthnFactorConfiguration: 'MULTI_FACTOR_WITH_USER_VERIFICATION',
      Policies: Match.objectLike({ SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'WEB_AUTHN'] } }),
    });
  });

  it('has one app client: USER_PASSWORD_AUTH, USER_AUTH (passkeys) and refresh, no secret, no OAuth, no user existence errors', () => {
    t.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    t.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: false,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
    });
  });

  it('authorizes every account route with the Cognito JWT authorizer except the public ones', () => {
    const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    const open = routes.filter((r) => r.AuthorizationType === 'NONE').map((r) => r.RouteKey);
    expect(open.sort()).toEqual(PUBLIC_ACCOUNT_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const guarded = routes.filter((r) => r.AuthorizationType !== 'NONE');
    expect(guarded.map((r) => r.RouteKey)).toEqual(['ANY /api/account/{proxy+}']);
    expect(guarded[0]!.AuthorizationType).toBe('JWT');
    // Signed-in routes stay behind it: none of them is listed as public.
    for (const path of ['/api/account/me', '/api/account/settings/{coin}', '/api/account/totp/start'])
      expect(open.some((k) => k.endsWith(` ${path}`))).toBe(false);
    // The authorizer accepts this pool's tokens for this client only.
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: Match.stringLikeRegexp('^UsersWeb') }],
        Issuer: {
          'Fn::Join': [
            '',
            [
              'https://cognito-idp.',
              { Ref: 'AWS::Region' },
              '.amazonaws.com/',
              { Ref: Match.stringLikeRegexp('^Users') },
            ],
          ],
        },
      },
    });
    expect(guarded[0]!.AuthorizerId).toEqual({ Ref: expect.stringMatching(/^ApiJwt/) });
  });

  it('lists as public exactly the routes the account API serves without a signed-in user, and no signed-in route', () => {
    const routes = [...ACCOUNT_ROUTES, ...notificationRoutes];
    // API Gateway's `{name}` is the router's `:name`; both routers' patterns are under /api.
    const asRouter = (path: string) => path.replace(/^\/api/, '').replace(/\{(\w+)\}/g, ':$1');
    expect(PUBLIC_ACCOUNT_ROUTES.map((r) => `${r.method} ${asRouter(r.path)}`).sort()).toEqual(
      routes
        .filter((r) => !r.auth)
        .map((r) => `${r.method} ${r.pattern}`)
        .sort(),
    );
    // Every signed-in route lies under /account, which the authorized catch-all route covers.
    for (const r of routes.filter((x) => x.auth)) expect(r.pattern).toMatch(/^\/account\//);
  });

  it('throttles the API, sign-in and sign-up lower, and writes access logs without bodies or headers', () => {
    const stage = Object.values(t.findResources('AWS::ApiGatewayV2::Stage'))[0]!.Properties;
    expect(stage.StageName).toBe('$default');
    expect(stage.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    for (const key of [
      'POST /api/account/signin',
      'POST /api/account/signup',
      'POST /api/account/signin/totp',
      'POST /api/account/password/forgot',
      'POST /api/account/password/reset',
    ])
      expect(stage.RouteSettings[key]).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
    expect(stage.AccessLogSettings.DestinationArn).toBeDefined();
    const format = JSON.parse(stage.AccessLogSettings.Format) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    expect(Object.values(format).join(' ')).not.toMatch(/body|header|authorization/i);
  });

  it('gives the accounts Lambda its pool’s Admin calls, its table, reads of the coins’ tables and mail from the pool’s address only', () => {
    const statements = statementsOf(t, 'Accounts');
    const cognito = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('cognito-idp:')));
    expect(cognito).toHaveLength(1);
    expect(actionsOf(cognito[0]!).sort()).toEqual([...COGNITO_ADMIN_ACTIONS].sort());
    // Exactly the Admin calls the Cognito adapter makes: none missing (a failing sign-up), none spare.
    const adapter = readFileSync(resolve(REPO_ROOT, 'adapters/aws/cognito-identity.ts'), 'utf8');
    const called = new Set([...adapter.matchAll(/new (Admin\w+)Command\(/g)].map((m) => `cognito-idp:${m[1]}`));
    expect([...called].sort()).toEqual([...COGNITO_ADMIN_ACTIONS].sort());
    expect(cognito[0]!.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Users/), 'Arn'] });
    const ses = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('ses:')));
    expect(ses).toHaveLength(1);
    expect(actionsOf(ses[0]!)).toEqual(['ses:SendEmail']);
    expect(ses[0]!.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'pool@example.org' } });
    expect(JSON.stringify(ses[0]!.Resource)).toMatch(/identity\/.*MailFrom|MailFrom/);
    for (const s of statements) {
      for (const a of actionsOf(s)) expect(a).not.toMatch(/\*/);
      // The coins' tables (imported from their stacks) are read, never written: no converting coin here.
      if (JSON.stringify(s.Resource).includes('ImportValue'))
        expect(actionsOf(s).every((a) => /^dynamodb:(Get|BatchGet|Query|Scan|Describe)/.test(a))).toBe(true);
    }
  });

  it('never puts a secret in a template: the bot token is read at run time from a generated secret, no password anywhere', () => {
    const out = app.synth().directory;
    for (const name of readdirSync(out).filter((n) => n.endsWith('.template.json'))) {
      const text = readFileSync(join(out, name), 'utf8');
      expect(text, name).not.toContain(BOT_TOKEN);
      expect(text, name).not.toContain(DAEMON_PASSWORD);
    }
    // The bot token and CloudFront's origin secret: both generated by Secrets Manager, never a value in the template.
    t.resourceCountIs('AWS::SecretsManager::Secret', 2);
    for (const secret of Object.values(t.findResources('AWS::SecretsManager::Secret')))
      expect(secret.Properties.GenerateSecretString).toBeDefined();
    for (const secret of Object.values(t.findResources('AWS::SecretsManager::Secret')))
      expect(secret.Properties.SecretString).toBeUndefined();
    for (const fid of ['Accounts', 'Notify']) {
      const fn = Object.entries(t.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith(fid))![1];
      const env = fn.Properties.Environment.Variables as Record<string, unknown>;
      expect(env.TELEGRAM_BOT_TOKEN_SECRET_ARN).toEqual({ Ref: expect.stringMatching(/^TelegramBot/) });
      if (fid === 'Accounts')
        expect(env.POOL_ORIGIN_SECRET_ARN).toEqual({ Ref: expect.stringMatching(/^OriginSecret/) });
      expect(env.POOL_ACCOUNTS_TABLE).toEqual({ Ref: expect.stringMatching(/^TablesAccounts/) });
      if (fid === 'Accounts')
        expect(JSON.parse(env.POOL_ACCOUNTS_JSON as string)).toMatchObject({
          publicUrl: accounts.publicUrl,
          mailFrom: accounts.mailFrom,
        });
      else
        expect(env).toMatchObject({
          POOL_NAME: 'edgepool',
          MAIL_FROM: accounts.mailFrom,
          NOTIFY_DIGEST_AFTER: '3',
          NOTIFY_WEBHOOK_MAX_ATTEMPTS: '6',
        });
    }
  });

  it('gives no Lambda of the pool a secret in its environment: only the ARNs of secrets, as references', () => {
    const all = [stacks.alerts, ...stacks.coins, stacks.accounts!, stacks.api!];
    let checked = 0;
    for (const stack of all)
      for (const fn of Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))) {
        const env = (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
        for (const [name, value] of Object.entries(env).filter(([n]) => /PASSWORD|TOKEN|SECRET|PRIVATE|KEY/.test(n))) {
          expect(name, stack.stackName).toMatch(/_ARN$/);
          expect(typeof value, `${stack.stackName} ${name}`).toBe('object'); // a Ref or an import, never a literal
          checked++;
        }
      }
    expect(checked).toBeGreaterThanOrEqual(4); // the bot token (accounts, notify, relay), the origin secret, daemons
  });

  it('verifies the mail sender with SES', () => {
    t.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'pool@example.org' });
  });

  it('tells the accounts Lambda its user pool, its client and each paying coin’s payout bounds', () => {
    const fn = Object.entries(t.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('Accounts'))![1];
    const env = fn.Properties.Environment.Variables;
    expect(env.COGNITO_USER_POOL_ID).toEqual({ Ref: expect.stringMatching(/^Users/) });
    expect(env.COGNITO_CLIENT_ID).toEqual({ Ref: expect.stringMatching(/^UsersWeb/) });
    const coins = JSON.parse(env.POOL_ACCOUNT_COINS_JSON) as Array<{ symbol: string; payouts: { minimum: string } }>;
    expect(coins.map((c) => [c.symbol, c.payouts.minimum])).toEqual([
      ['LTC', '10000000'],
      ['BTC', '10000000'],
    ]);
  });

  it('runs the notification pass on a schedule: evaluateSeconds rounded up to whole minutes', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(2 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Notify'), 'Arn'] } })],
    });
  });

  it('sends /api/account/*, /api/watch/*, /api/telegram/* to the HTTP API, uncached, with Authorization and without cookies', () => {
    const api = Template.fromStack(stacks.api!);
    const dist = Object.values(api.findResources('AWS::CloudFront::Distribution'))[0]!.Properties.DistributionConfig;
    const behaviors = dist.CacheBehaviors as Array<Record<string, unknown>>;
    const patterns = behaviors.map((b) => b.PathPattern);
    // CloudFront takes the first match: the account paths come before the stats API's /api/*.
    expect(patterns).toEqual(['/api/account/*', '/api/watch/*', '/api/telegram/*', '/api/*']);
    const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
    for (const b of behaviors.slice(0, 3)) {
      expect(b.CachePolicyId).toBe(CACHING_DISABLED);
      expect(b.AllowedMethods).toContain('POST');
      expect(b.ViewerProtocolPolicy).toBe('https-only');
    }
    api.hasResourceProperties('AWS::CloudFront::OriginRequestPolicy', {
      OriginRequestPolicyConfig: Match.objectLike({
        CookiesConfig: { CookieBehavior: 'none' },
        // All viewer headers but Host: the bearer token in Authorization reaches the API.
        HeadersConfig: { HeaderBehavior: 'allExcept', Headers: ['Host'] },
      }),
    });
    const origin = (dist.Origins as Array<Record<string, unknown>>).find((o) =>
      JSON.stringify(o.DomainName).includes('execute-api'),
    );
    expect(origin).toBeDefined();
    expect(origin!.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only' });
    // The origin secret travels as a CloudFormation dynamic reference, resolved at deploy: no value in the template.
    const headers = origin!.OriginCustomHeaders as Array<{ HeaderName: string; HeaderValue: unknown }>;
    expect(headers.map((h) => h.HeaderName)).toEqual([ORIGIN_SECRET_HEADER]);
    expect(JSON.stringify(headers[0]!.HeaderValue)).toMatch(/^\{"Fn::Join":\["",\["\{\{resolve:secretsmanager:",/);
    // The viewer's address is written by CloudFront over whatever the client sent.
    for (const b of behaviors.slice(0, 3))
      expect(b.FunctionAssociations).toEqual([
        {
          EventType: 'viewer-request',
          FunctionARN: { 'Fn::GetAtt': [expect.stringMatching(/^ViewerIp/), 'FunctionARN'] },
        },
      ]);
    const code = Object.values(api.findResources('AWS::CloudFront::Function'))[0]!.Properties.FunctionCode as string;
    expect(code).toContain(`headers['${VIEWER_IP_HEADER}'] = { value: event.viewer.ip }`);
    expect(behaviors[3]!.FunctionAssociations).toBeUndefined();
  });

  it('gives each coin’s money Lambdas read-only access to the accounts table by name, without depending on its stack', () => {
    for (const stack of stacks.coins) {
      expect(stack.dependencies.map((d) => d.stackName)).not.toContain('edgepool-dev-accounts');
      const ct = Template.fromStack(stack);
      for (const fid of ['Confirm', 'Payouts']) {
        const fn = Object.entries(ct.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith(fid))![1];
        expect(fn.Properties.Environment.Variables.POOL_ACCOUNTS_TABLE).toBe('edgepool-dev-accounts');
        const onAccounts = statementsOf(ct, fid).filter((s) =>
          JSON.stringify(s.Resource).includes('table/edgepool-dev-accounts'),
        );
        expect(onAccounts).toHaveLength(1);
        expect(actionsOf(onAccounts[0]!).every((a) => /^dynamodb:(Get|BatchGet|Query|Scan|Describe)/.test(a))).toBe(
          true,
        );
        expect(JSON.stringify(onAccounts[0]!.Resource)).toContain('table/edgepool-dev-accounts/index/byKind');
      }
      expect(JSON.stringify(ct.toJSON())).not.toContain('edgepool-dev-accounts:');
    }
  });

  it('sends every CloudWatch alarm of the pool to the one alarm topic', () => {
    const topic = Template.fromStack(stacks.alerts);
    const topicId = Object.keys(topic.findResources('AWS::SNS::Topic'))[0]!;
    const all = [...stacks.coins, stacks.accounts!].flatMap((s) =>
      Object.values(Template.fromStack(s).findResources('AWS::CloudWatch::Alarm')),
    );
    expect(all.length).toBeGreaterThan(5);
    for (const alarm of all) expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain(topicId);
    const accountAlarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties.AlarmDescription,
    );
    expect(accountAlarms).toEqual(
      expect.arrayContaining([expect.stringMatching(/accounts Lambda/), expect.stringMatching(/5xx/)]),
    );
  });

  it('subscribes the operators’ emails and the Telegram relay to the alarm topic', () => {
    const alerts = Template.fromStack(stacks.alerts);
    const subs = Object.values(alerts.findResources('AWS::SNS::Subscription')).map((s) => s.Properties);
    expect(
      subs
        .filter((s) => s.Protocol === 'email')
        .map((s) => s.Endpoint)
        .sort(),
    ).toEqual(['oncall@example.org', 'ops@example.org']);
    expect(subs.filter((s) => s.Protocol === 'lambda')).toHaveLength(1);
    const relay = Object.entries(alerts.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('AlarmRelay'),
    )![1];
    expect(relay.Properties.Environment.Variables).toMatchObject({
      ALERTS_TELEGRAM_CHAT_ID: '-1001234',
      TELEGRAM_BOT_TOKEN_SECRET_ARN: { Ref: expect.stringMatching(/^RelayBot/) },
    });
  });
});

describe('the accounts stack in prod and without accounts', () => {
  it('protects the user pool and the table from deletion in prod', () => {
    const { stacks } = buildTestApp(
      { coins: [coin('LTC', [{ port: 3333, difficulty }])], accounts },
      { stage: 'prod' },
    );
    const t = Template.fromStack(stacks.accounts!);
    t.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'ACTIVE' });
    t.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    t.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
  });

  it('creates no bot secret and gives no Lambda a Telegram token when the config names no bot', () => {
    const { stacks } = buildTestApp({
      coins: [coin('LTC', [{ port: 3333, difficulty }])],
      accounts: { mailFrom: 'pool@example.org' },
    });
    const t = Template.fromStack(stacks.accounts!);
    t.resourceCountIs('AWS::SecretsManager::Secret', 1); // CloudFront's origin secret alone
    expect(JSON.stringify(t.toJSON())).not.toContain('TELEGRAM_BOT_TOKEN_SECRET_ARN');
  });

  it('builds no accounts stack and gives no coin Lambda the accounts table when the config has no accounts', () => {
    const { stacks } = buildTestApp({ coins: [coin('LTC', [{ port: 3333, difficulty }])] });
    expect(stacks.accounts).toBeUndefined();
    expect(JSON.stringify(Template.fromStack(stacks.coins[0]!).toJSON())).not.toContain('POOL_ACCOUNTS_TABLE');
    const alerts = Template.fromStack(stacks.alerts);
    alerts.resourceCountIs('AWS::Lambda::Function', 0);
  });

  it('lets the accounts Lambda write only the CONVPREF items of a converting coin’s ledger (a currency change)', () => {
    const secret = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:pool/${name}-AbCdEf`;
    const { stacks } = buildTestApp({
      coins: [
        {
          ...coin('LTC', [{ port: 3333, difficulty }]),
          conversion: {
            exchanges: [{ id: 'binance', secretArn: secret('binance') }],
            targets: [
              { currency: 'BTC', wallet: address('BTC', 0x44), feeWallets: [{ address: address('BTC', 0x45) }] },
            ],
          },
        },
        coin('BTC', [{ port: 4333, difficulty }]),
      ],
      accounts,
    });
    const t = Template.fromStack(stacks.accounts!);
    const writes = statementsOf(t, 'Accounts').filter(
      (s) => JSON.stringify(s.Resource).includes('ImportValue') && !actionsOf(s).includes('dynamodb:GetItem'),
    );
    expect(writes).toHaveLength(1);
    expect(actionsOf(writes[0]!)).toEqual(['dynamodb:PutItem']);
    expect(JSON.stringify(writes[0]!.Resource)).toMatch(/coin-ltc:.*Ledger/);
    expect(writes[0]!.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['CONVPREF'] } });
    const fn = Object.entries(t.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('Accounts'))![1];
    expect(Object.keys(JSON.parse(fn.Properties.Environment.Variables.POOL_CONVERSION_JSON))).toEqual(['LTC']);
  });

  it('fails the synth clearly when the accounts Lambda’s handler is missing', () => {
    expect(() =>
      buildTestApp(
        { coins: [coin('LTC', [{ port: 3333, difficulty }])], accounts },
        {},
        { entries: { ...FIXTURE_ENTRIES, accounts: 'lambdas/no-such/handler.ts' } },
      ),
    ).toThrow(/accounts, but their Lambda lambdas\/no-such\/handler.ts does not exist/);
  });
});
