import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';

/**
 * AWS-only deploy settings: what the pool config (core/config) does not and should not know — stage, account,
 * certificates, alarm email, task sizes. Read from CDK context (`-c deploy=path/to/deploy.json`, `-c stage=prod`).
 * Strict like the pool config, so a typo fails the synth instead of silently deploying a default.
 */

const arn = z.string().regex(/^arn:aws[a-z-]*:/, 'must be an ARN');

const coinSettingsSchema = z.strictObject({
  /** ACM certificate for the NLB TLS listeners: required when a port of this coin has `tls` in the pool config. */
  certificateArn: arn.optional(),
  /** Fargate task size; scrypt share checks are CPU-bound, so CPU is what scales. */
  cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]).optional(),
  memoryMiB: z.number().int().min(512).optional(),
  minTasks: z.number().int().min(1).optional(),
  maxTasks: z.number().int().min(1).optional(),
  /** Target concurrent miner connections per task for connection-based scaling. */
  connectionsPerTask: z.number().int().min(100).default(5000),
  /** Alarm when no block was found for this many hours (small pools find blocks rarely: raise it). 0 turns it off. */
  noBlockAlarmHours: z.number().int().min(0).max(168).default(48),
});

export const deploySettingsSchema = z.strictObject({
  /** Editors may point at a JSON schema; ignored. */
  $schema: z.string().optional(),
  /** Prefix of every stack name, so two pools can live in one account. */
  name: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,23}$/)
    .default('edgepool'),
  stage: z.enum(['dev', 'prod']).default('dev'),
  /** Omit both to synthesize environment-agnostic templates (CI, no credentials). */
  account: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  region: z.string().min(1).optional(),
  /** Subscribed to the alarm topic; the operator confirms the subscription email once. */
  alarmEmail: z.email().optional(),
  /**
   * Operators' workload alerts (issue 19): every CloudWatch alarm of the pool notifies one SNS topic; these are its
   * subscribers besides `alarmEmail`.
   */
  alerts: z
    .strictObject({
      /** More operator addresses subscribed to the alarm topic (each confirms its subscription once). */
      emails: z.array(z.email()).default([]),
      /**
       * A Telegram chat (numeric id; groups are negative) the alarm-relay Lambda posts every alarm to, through the
       * bot whose token the operator puts in the alerts stack's secret (docs/deploy.md).
       */
      telegramChatId: z
        .string()
        .regex(/^-?\d{1,20}$/, 'a numeric Telegram chat id')
        .optional(),
    })
    .prefault({}),
  /** AWS-only settings of miner accounts (issue 19); used when the pool config has `accounts`. */
  accounts: z
    .strictObject({
      /**
       * What SES verifies for the pool config's `accounts.mailFrom`: the address alone (`address`, verified by
       * clicking a mail) or its whole domain (`domain`, DKIM records to publish). The accounts Lambda may send from
       * exactly that address either way.
       */
      mailIdentity: z.enum(['address', 'domain']).default('address'),
      /** Requests a second over all sign-in/sign-up routes together (API Gateway), with bursts of twice that. */
      signInRatePerSecond: z.number().int().min(1).max(1000).default(5),
      /** Requests a second over the whole account API, with bursts of twice that. */
      apiRatePerSecond: z.number().int().min(1).max(10_000).default(50),
    })
    .prefault({}),
  vpc: z
    .strictObject({
      /** Interface endpoints (SQS, Secrets Manager, Logs, ECR, CloudWatch) keep share traffic off the NAT gateways. */
      interfaceEndpoints: z.boolean().default(true),
    })
    .prefault({}),
  coins: z.record(z.string(), coinSettingsSchema).default({}),
  dashboard: z
    .strictObject({
      /** Attach AWS managed WAF rules to CloudFront (the web ACL must live in us-east-1). */
      wafWebAclArn: arn.optional(),
    })
    .prefault({}),
});

export type DeploySettings = z.output<typeof deploySettingsSchema>;
export type CoinSettings = z.output<typeof coinSettingsSchema>;

export function parseDeploySettings(raw: unknown, source = 'deploy settings'): DeploySettings {
  const result = deploySettingsSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`${source} is invalid:\n  - ${issues.join('\n  - ')}`, issues);
  }
  return result.data;
}

/** Everything that differs between dev and prod, in one place. */
export interface StageProfile {
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
  logRetention: RetentionDays;
  natGateways: number;
  cpu: 256 | 512 | 1024 | 2048 | 4096;
  memoryMiB: number;
  minTasks: number;
  maxTasks: number;
}

export const STAGES: Readonly<Record<DeploySettings['stage'], StageProfile>> = {
  // dev: cheap and disposable — one NAT gateway, one task, tables go with the stack.
  dev: {
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    logRetention: RetentionDays.ONE_WEEK,
    natGateways: 1,
    cpu: 512,
    memoryMiB: 1024,
    minTasks: 1,
    maxTasks: 2,
  },
  // prod: balances and share history are money — tables and secrets survive a stack deletion; two tasks so a
  // deployment or an AZ loss never drops every miner at once.
  prod: {
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    logRetention: RetentionDays.THREE_MONTHS,
    natGateways: 2,
    cpu: 1024,
    memoryMiB: 2048,
    minTasks: 2,
    maxTasks: 10,
  },
};

/** The stage profile with a coin's own overrides applied. */
export function coinSizing(settings: DeploySettings, symbol: string) {
  const stage = STAGES[settings.stage];
  const own = settings.coins[symbol];
  const minTasks = own?.minTasks ?? stage.minTasks;
  const maxTasks = Math.max(own?.maxTasks ?? stage.maxTasks, minTasks);
  return {
    cpu: own?.cpu ?? stage.cpu,
    memoryMiB: own?.memoryMiB ?? stage.memoryMiB,
    minTasks,
    maxTasks,
    connectionsPerTask: own?.connectionsPerTask ?? 5000,
    noBlockAlarmHours: own?.noBlockAlarmHours ?? 48,
  };
}
