import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AllowedMethods,
  type BehaviorOptions,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestCookieBehavior,
  OriginRequestHeaderBehavior,
  OriginRequestPolicy,
  OriginRequestQueryStringBehavior,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { FunctionUrlOrigin, HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { AUX_ADDRESS_PK } from '../../adapters/aws/dynamo-aux-address-store.js';
import { STATS_QUERY_PARAMETERS } from '../../app/stats/api.js';
import type { PublicConversion } from '../../app/stats/public.js';
import type { PublicSwitchingPort } from '../../app/stats/switching.js';
import type { AuxChainConfig } from '../../core/config/aux-chains.js';
import { statsEnvSchema } from '../../lambdas/stats/handler.js';
import { PoolFunction } from '../constructs/pool-function.js';
import { grantTable, onlyPartitions, type PoolTable } from '../constructs/pool-tables.js';
import { acknowledge } from '../nag.js';
import { type DeploySettings, STAGES } from '../settings.js';
import { ACCOUNT_PATH_PATTERNS, ORIGIN_SECRET_HEADER, VIEWER_IP_HEADER } from './accounts-stack.js';

export interface ApiStackProps extends StackProps {
  settings: DeploySettings;
  /** The stats Lambda's handler, relative to the repo root. */
  statsEntry: string;
  /** Every coin's tables, read-only for the stats API: `{ LTC: { shares: table, ... } }`. */
  coinTables: Readonly<Record<string, ReadonlyMap<string, PoolTable>>>;
  /** What the API may show of the pool config (app/stats/public.ts): no daemons, wallets or credentials. */
  publicPool: unknown;
  /** The built dashboard (web/dist): deployed into the site bucket, the distribution invalidated. */
  siteDir?: string;
  /**
   * What the API needs of the converting coins' `conversion` config (app/stats/public.ts, no exchanges, wallets
   * or secrets): miners may change their payout currency (a signed POST).
   */
  conversions?: Readonly<Record<string, PublicConversion>>;
  /**
   * The merge-mined coins (`mergedWith`): miners set their aux payout addresses on these coins' ledgers (a signed
   * POST, app/stats/aux-address.ts).
   */
  auxCoins?: readonly string[];
  /**
   * The switching ports (app/stats/public.ts publicSwitching, their NLBs' DNS names as hosts): /api/switching reads
   * their SWITCHING#/SWITCH# items in the stats table of each port's first coin (read with the coin's tables).
   */
  switching?: readonly PublicSwitchingPort[];
  /**
   * The pool config's `auxChains`: the stats Lambda registers them (POOL_AUX_CHAINS_JSON), so that a config-defined
   * aux chain's routes know its decimals and its payout-address POST checks that chain's addresses.
   */
  auxChains?: readonly AuxChainConfig[];
  /**
   * The account API's HTTP API domain (infra/stacks/accounts-stack.ts), when the pool has accounts: CloudFront sends
   * ACCOUNT_PATH_PATTERNS there, never cached, with the Authorization header and without cookies.
   */
  accountsApi?: { domain: string; originSecret: ISecret };
}

/**
 * The public face: a CloudFront distribution serving the dashboard from a private bucket and `/api/*` from the stats
 * Lambda's function URL, both through origin access control: neither origin answers anyone but this distribution,
 * so every API request passes the cache (and the WAF, when there is one).
 */
export class ApiStack extends Stack {
  readonly stats: PoolFunction;
  readonly distribution: Distribution;
  readonly siteBucket: Bucket;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const stage = STAGES[props.settings.stage];

    const stats = new PoolFunction(this, 'Stats', {
      entry: props.statsEntry,
      description: 'pool and miner statistics API',
      environmentSchema: statsEnvSchema,
      logRetention: stage.logRetention,
      timeout: Duration.seconds(10),
      // The API's throttle: at ~50 ms a request, 20 at once serve ~400 cache misses a second (API Gateway's old
      // 200/s with bursts of 400); a flood of distinct URLs gets 429s instead of reading DynamoDB without bound.
      reservedConcurrency: 20,
    });
    this.stats = stats;
    const names: Record<string, Record<string, string>> = {};
    for (const [symbol, tables] of Object.entries(props.coinTables)) {
      names[symbol] = {};
      for (const [name, table] of tables) {
        grantTable(stats, table, 'read');
        names[symbol][name] = table.table.tableName;
      }
    }
    // One variable for all coins so adding a coin does not change the handler's env schema.
    stats.addEnvironment('POOL_TABLES_JSON', this.toJsonString(names));
    // toJsonString: the public config holds tokens (each coin's NLB DNS name, from its stack).
    stats.addEnvironment('POOL_PUBLIC_JSON', this.toJsonString(props.publicPool));
    // The API's only writes, each one conditional put of one item kind of a ledger and nothing else of it: a miner's
    // signed payout-currency choice (CONVPREF) and a miner's signed aux payout address (AUXADDR, the adapter's
    // conditional PutItem: no Get or Update).
    const putOnly = (symbol: string, partition: string) => {
      const ledger = props.coinTables[symbol]?.get('ledger');
      if (!ledger) return;
      stats.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:PutItem'],
          resources: [ledger.table.tableArn],
          conditions: onlyPartitions([partition]),
        }),
      );
    };
    const conversions = props.conversions ?? {};
    if (Object.keys(conversions).length > 0) {
      stats.addEnvironment('POOL_CONVERSION_JSON', JSON.stringify(conversions));
      for (const symbol of Object.keys(conversions)) putOnly(symbol, 'CONVPREF');
    }
    for (const symbol of props.auxCoins ?? []) putOnly(symbol, AUX_ADDRESS_PK);
    if ((props.auxChains ?? []).length > 0)
      stats.addEnvironment('POOL_AUX_CHAINS_JSON', JSON.stringify(props.auxChains));
    if ((props.switching ?? []).length > 0)
      // toJsonString: a port's stratum host is its NLB's DNS name, from its stack.
      stats.addEnvironment('POOL_SWITCHING_JSON', this.toJsonString(props.switching));

    // IAM auth: only a request CloudFront signed for this distribution (origin access control) invokes the function.
    const statsUrl = stats.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });

    const logBucket = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logging writes with ACLs.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    this.siteBucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: 'site/',
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.distribution = new Distribution(this, 'Cdn', {
      comment: 'pool dashboard',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket,
      logFilePrefix: 'cdn/',
      webAclId: props.settings.dashboard.wafWebAclArn,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.siteBucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        // The dashboard holds sign-in and payout-change forms: no other site may frame it (clickjacking).
        // frame-ancestors is header-only; the rest of the page's policy is the meta tag in web/index.html.
        responseHeadersPolicy: new ResponseHeadersPolicy(this, 'SiteHeaders', {
          comment: 'dashboard: no framing, no MIME sniffing, HTTPS only, no referrer to other sites',
          securityHeadersBehavior: {
            contentSecurityPolicy: { contentSecurityPolicy: "frame-ancestors 'none'", override: true },
            frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
            contentTypeOptions: { override: true },
            referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
            strictTransportSecurity: {
              accessControlMaxAge: Duration.days(365),
              includeSubdomains: true,
              override: true,
            },
          },
        }),
      },
      additionalBehaviors: {
        // First: CloudFront takes the first pattern that matches, and /api/* matches these too.
        ...(props.accountsApi && this.accountBehaviors(props.accountsApi)),
        '/api/*': {
          origin: FunctionUrlOrigin.withOriginAccessControl(statsUrl),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          // POST for the signed payout-currency change (the dashboard sends its body's SHA-256 in
          // x-amz-content-sha256: origin access control signs it for Lambda); CloudFront never caches a POST.
          allowedMethods: AllowedMethods.ALLOW_ALL,
          // The API says how long each answer may be cached (Cache-Control max-age, no-store for exports): CloudFront
          // follows it, so a popular pool page costs one Lambda call per max-age, not one per viewer. The key holds
          // the query parameters the API reads and nothing else: `?x=<random>` is the same cache entry.
          cachePolicy: new CachePolicy(this, 'ApiCache', {
            comment: 'stats API: follow the origin Cache-Control, key on the parameters the API reads',
            defaultTtl: Duration.seconds(0),
            minTtl: Duration.seconds(0),
            maxTtl: Duration.minutes(5),
            queryStringBehavior: CacheQueryStringBehavior.allowList(...STATS_QUERY_PARAMETERS),
            headerBehavior: CacheHeaderBehavior.none(),
            cookieBehavior: CacheCookieBehavior.none(),
            enableAcceptEncodingGzip: true,
            enableAcceptEncodingBrotli: true,
          }),
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
    });

    if (props.siteDir) this.deploySite(props.siteDir);

    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      'Default CloudFront domain; a custom domain with an ACM certificate (TLS 1.2+) is the operator’s choice',
    );
    acknowledge(this.distribution, 'AwsSolutions-CFR1', 'Miners and their dashboards are worldwide');
    if (!props.settings.dashboard.wafWebAclArn) {
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR2',
        'WAF is optional (dashboard.wafWebAclArn); the API origin answers CloudFront only and is throttled',
      );
    }

    new CfnOutput(this, 'DashboardUrl', { value: `https://${this.distribution.distributionDomainName}` });
    new CfnOutput(this, 'ApiUrl', {
      description: 'the stats API, through CloudFront only (its function URL refuses unsigned requests)',
      value: `https://${this.distribution.distributionDomainName}/api`,
    });
    new CfnOutput(this, 'SiteBucketName', {
      description: '`cdk deploy` uploads web/dist here; by hand: aws s3 sync web/dist s3://<this>/, then invalidate',
      value: this.siteBucket.bucketName,
    });
    new CfnOutput(this, 'DistributionId', { value: this.distribution.distributionId });
  }

  /**
   * The account API's paths → its HTTP API. Never cached (an answer is one account's, or a token's), every method;
   * every viewer header but Host reaches the origin — Authorization (the bearer token) among them — and no cookie:
   * the API takes tokens in headers only, so there is nothing for a forged cookie to carry.
   */
  private accountBehaviors(api: NonNullable<ApiStackProps['accountsApi']>): Record<string, BehaviorOptions> {
    const origin = new HttpOrigin(api.domain, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      // A dynamic reference in the template, resolved by CloudFormation: the value itself is in no template.
      customHeaders: { [ORIGIN_SECRET_HEADER]: api.originSecret.secretValue.unsafeUnwrap() },
    });
    // The viewer's address, written over anything the client sent in the same header.
    const viewerIp = new CloudFrontFunction(this, 'ViewerIp', {
      comment: `account API: ${VIEWER_IP_HEADER} = the viewer's address`,
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(
        `function handler(event) { event.request.headers['${VIEWER_IP_HEADER}'] = { value: event.viewer.ip }; return event.request; }`,
      ),
    });
    const requests = new OriginRequestPolicy(this, 'AccountsRequests', {
      comment: 'account API: every viewer header but Host (Authorization included), query strings, no cookies',
      headerBehavior: OriginRequestHeaderBehavior.denyList('Host'),
      queryStringBehavior: OriginRequestQueryStringBehavior.all(),
      cookieBehavior: OriginRequestCookieBehavior.none(),
    });
    const behavior: BehaviorOptions = {
      origin,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: requests,
      functionAssociations: [{ function: viewerIp, eventType: FunctionEventType.VIEWER_REQUEST }],
    };
    return Object.fromEntries(ACCOUNT_PATH_PATTERNS.map((p) => [p, behavior]));
  }

  /**
   * Uploads the dashboard with each deploy and invalidates the distribution, so a new dashboard is live when
   * `cdk deploy` returns. CDK's BucketDeployment runs a Lambda it owns (a singleton per stack).
   */
  private deploySite(dir: string): void {
    const site = new BucketDeployment(this, 'SiteDeployment', {
      sources: [Source.asset(dir)],
      destinationBucket: this.siteBucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 256,
      // Old files stay for browsers that still hold an old index.html (the bucket is versioned anyway).
      prune: false,
    });
    const handler = this.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    const siteArn = `<${this.getLogicalId(this.siteBucket.node.defaultChild as CfnBucket)}.Arn>/*`;
    const qualifier = this.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') ?? 'hnb659fds';
    const assets = `arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*`;
    const wildcards = [
      ...['Abort*', 'DeleteObject*', 'GetBucket*', 'GetObject*', 'List*'].map((a) => `Action::s3:${a}`),
      'Resource::*', // cloudfront:CreateInvalidation has no resource-level permissions
      `Resource::${siteArn}`,
      `Resource::${assets}`,
    ];
    for (const scope of [site, ...(handler ? [handler] : [])]) {
      acknowledge(
        scope,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'CDK BucketDeployment handler: the basic execution role, for its own logs only',
      );
      for (const w of wildcards) {
        acknowledge(
          scope,
          `AwsSolutions-IAM5[${w}]`,
          'CDK BucketDeployment handler: copies the dashboard asset into the site bucket, grants made by aws-cdk-lib',
        );
      }
      acknowledge(
        scope,
        'AwsSolutions-L1',
        'CDK BucketDeployment handler: its runtime is chosen and updated by aws-cdk-lib',
      );
    }
  }
}
