import { resolve } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type IVpc, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge } from '../nag.js';
import { REPO_ROOT } from '../pool-config.js';
import { checkEnvironmentAtSynth, type EnvironmentSchema } from './environment-check.js';
import { grantTable, type PoolTable, type TableAccess } from './pool-tables.js';

export interface PoolFunctionProps {
  /** Handler file, relative to the repository root (e.g. 'lambdas/ingest/handler.ts'); it must export `handler`. */
  entry: string;
  description: string;
  logRetention: RetentionDays;
  removalPolicy?: RemovalPolicy;
  /** Plain configuration only: secrets go through `useSecret`, which passes an ARN, never a value. */
  environment?: Record<string, string>;
  /**
   * The handler's env schema (its PoolLambda's `env`); checked at synth time against the environment this construct
   * ends up with, so a deploy never ships a function that would refuse its environment on its first invocation.
   */
  environmentSchema: EnvironmentSchema;
  timeout?: Duration;
  memorySize?: number;
  /** Caps parallel invocations (e.g. payouts must never run twice at once). */
  reservedConcurrency?: number;
  /** Runs in the VPC's private subnets: for functions that call the coin daemons (confirmation, payouts). */
  vpc?: IVpc;
  /** Bundles ccxt: its unused dYdX client's protobufjs import is aliased to infra/bundling/protobufjs. */
  bundlesCcxt?: boolean;
}

/**
 * The runtime every pool Lambda uses: newest Node LTS on Lambda, the Node of .node-version that runs the pool locally
 * (scripts/node) and of the stratum image (fargate/Dockerfile).
 */
export const POOL_RUNTIME = Runtime.NODEJS_24_X;
/** The esbuild target of the Lambda bundles: the runtime's Node (`nodejs24.x` → `node24`). */
export const POOL_BUNDLE_TARGET = POOL_RUNTIME.name.replace(/^nodejs(\d+)\.x$/, 'node$1');

/**
 * One way to build every pool Lambda: esbuild bundle from the local install (no Docker), ESM, ARM64, JSON logs
 * with retention, X-Ray tracing. `use*` helpers grant least privilege and set the env var that names the resource
 * in one call, so a handler never has access it was not told about (or is told about access it lacks).
 */
export class PoolFunction extends NodejsFunction {
  private readonly envVars: Record<string, string>;

  constructor(scope: Construct, id: string, props: PoolFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    const env: Record<string, string> = { NODE_OPTIONS: '--enable-source-maps', ...props.environment };
    // An own role instead of AWSLambdaBasicExecutionRole: it may write to its own log group, not to every one.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${id} Lambda`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      entry: resolve(REPO_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: POOL_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      reservedConcurrentExecutions: props.reservedConcurrency,
      ...(props.vpc ? { vpc: props.vpc, vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS } } : {}),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      environment: env,
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: POOL_BUNDLE_TARGET,
        sourceMap: true,
        minify: true,
        // The SDK is bundled, not taken from the runtime, so the handler runs with the version its tests ran with.
        externalModules: [],
        mainFields: ['module', 'main'],
        ...(props.bundlesCcxt
          ? { esbuildArgs: { '--alias:protobufjs': resolve(REPO_ROOT, 'infra/bundling/protobufjs') } }
          : {}),
        // CommonJS dependencies call require(); an ESM bundle has to provide it.
        banner:
          "import { createRequire as __poolRequire } from 'node:module'; const require = __poolRequire(import.meta.url);",
      },
    });
    this.envVars = env;
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions',
    );
    // AWS_REGION is set by the Lambda runtime itself (and may not be set in a function's environment).
    checkEnvironmentAtSynth(this, props.environmentSchema, () => ({ AWS_REGION: this.stack.region, ...this.envVars }));
  }

  override addEnvironment(key: string, value: string): this {
    // `envVars` is unset while the base constructor runs; the constructor's own variables are already in it.
    if (this.envVars) this.envVars[key] = value;
    return super.addEnvironment(key, value);
  }

  /** Grants table access (the table and its named indexes) and passes the table name in `envVar`. */
  useTable(envVar: string, table: PoolTable, access: TableAccess): this {
    grantTable(this, table, access);
    return this.addEnvironment(envVar, table.table.tableName);
  }

  /** Grants sending to a queue and passes its URL in `envVar`. */
  useQueueForSending(envVar: string, queue: IQueue): this {
    queue.grantSendMessages(this);
    return this.addEnvironment(envVar, queue.queueUrl);
  }

  /** Grants reading a secret and passes its ARN (never its value) in `envVar`; the handler fetches it at run time. */
  useSecret(envVar: string, secret: ISecret): this {
    secret.grantRead(this);
    return this.addEnvironment(envVar, secret.secretArn);
  }

  /** Invokes the function on a fixed rate (EventBridge); returns the rule. */
  runEvery(rate: Duration, id = 'Schedule'): Rule {
    return new Rule(this, id, {
      description: `${this.node.id} every ${rate.toHumanString()} (${Stack.of(this).stackName})`,
      schedule: Schedule.rate(rate),
      targets: [new LambdaFunction(this, { retryAttempts: 2 })],
    });
  }
}
