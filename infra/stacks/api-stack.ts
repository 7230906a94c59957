import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginRequestPolicy,
  PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { PoolFunction } from '../constructs/pool-function.js';
import { grantTable, type PoolTable } from '../constructs/pool-tables.js';
import { acknowledge } from '../nag.js';
import { type DeploySettings, STAGES } from '../settings.js';

export interface ApiStackProps extends StackProps {
  settings: DeploySettings;
  /** The stats Lambda's handler, relative to the repo root. */
  statsEntry: string;
  /** Every coin's tables, read-only for the stats API: `{ LTC: { shares: table, ... } }`. */
  coinTables: Readonly<Record<string, ReadonlyMap<string, PoolTable>>>;
  /** What the API may show of the pool config (lambdas/stats/public.ts): no daemons, wallets or credentials. */
  publicPool: unknown;
}

/**
 * The public face: an HTTP API in front of the stats Lambda and a CloudFront distribution serving the dashboard
 * from a private bucket (origin access control) with `/api/*` routed to the API.
 */
export class ApiStack extends Stack {
  readonly api: HttpApi;
  readonly distribution: Distribution;
  readonly siteBucket: Bucket;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const stage = STAGES[props.settings.stage];

    const stats = new PoolFunction(this, 'Stats', {
      entry: props.statsEntry,
      description: 'pool and miner statistics API',
      logRetention: stage.logRetention,
      timeout: Duration.seconds(10),
    });
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
    stats.addEnvironment('POOL_PUBLIC_JSON', JSON.stringify(props.publicPool));

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: stage.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new HttpApi(this, 'Api', {
      description: 'pool stats API',
      defaultIntegration: new HttpLambdaIntegration('Stats', stats),
      createDefaultStage: false,
    });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 200, burstLimit: 400 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });

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

    const apiDomain = `${this.api.apiId}.execute-api.${this.region}.${this.urlSuffix}`;
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
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new HttpOrigin(apiDomain),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
          // Stats are per miner and change every share batch: the API sets its own Cache-Control.
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
    });

    acknowledge(
      this.api,
      'AwsSolutions-APIG4',
      'Public, read-only pool statistics, like every pool website; throttled',
    );
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
        'WAF is optional (dashboard.wafWebAclArn); the API is throttled',
      );
    }

    new CfnOutput(this, 'DashboardUrl', { value: `https://${this.distribution.distributionDomainName}` });
    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'SiteBucketName', {
      description: 'aws s3 sync web/dist s3://<this>/ then invalidate the distribution',
      value: this.siteBucket.bucketName,
    });
    new CfnOutput(this, 'DistributionId', { value: this.distribution.distributionId });
  }
}
