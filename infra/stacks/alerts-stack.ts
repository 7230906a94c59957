import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { ConfigError } from '../../core/errors.js';
import { alarmRelayEnvSchema } from '../../lambdas/alarm-relay/handler.js';
import type { EnvironmentSchema } from '../constructs/environment-check.js';
import { PoolFunction } from '../constructs/pool-function.js';
import { acknowledge } from '../nag.js';
import { REPO_ROOT } from '../pool-config.js';

export interface AlertsStackProps extends StackProps {
  /** Operator addresses subscribed to the topic (deploy settings `alarmEmail` and `alerts.emails`). */
  emails?: readonly string[];
  /** The operators' Telegram chat: every alarm is relayed there by the alarm-relay Lambda. */
  telegram?: {
    chatId: string;
    entry: string;
    logRetention: RetentionDays;
    envSchema?: EnvironmentSchema;
  };
}

/**
 * The one alarm topic every alarm of the pool publishes to (each coin's, the accounts stack's); the operators
 * subscribe to it by email, and a Telegram chat through the alarm-relay Lambda.
 */
export class AlertsStack extends Stack {
  readonly topic: Topic;
  /** Present with `telegram`: relays each alarm message to the chat. */
  readonly relay?: PoolFunction;
  /** The relay bot's token (the whole string), set by the operator after deploy; only the relay reads it. */
  readonly relayBot?: Secret;

  constructor(scope: Construct, id: string, props: AlertsStackProps) {
    super(scope, id, props);
    const key = new Key(this, 'TopicKey', { description: 'pool alarm topic', enableKeyRotation: true });
    // The AWS-managed SNS key cannot be used by CloudWatch alarms; a customer key that allows CloudWatch can.
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Alarms', { displayName: 'Pool alarms', masterKey: key, enforceSSL: true });
    for (const email of new Set(props.emails ?? [])) this.topic.addSubscription(new EmailSubscription(email));
    if (props.telegram) {
      const { telegram } = props;
      if (!existsSync(resolve(REPO_ROOT, telegram.entry)))
        throw new ConfigError(`alerts.telegramChatId is set, but the alarm relay ${telegram.entry} does not exist`);
      this.relayBot = new Secret(this, 'RelayBot', {
        description: 'Telegram bot token relaying pool alarms: put the BotFather token here after deploy',
        // A random placeholder until then (Telegram refuses it).
        generateSecretString: { excludePunctuation: true, passwordLength: 46 },
      });
      acknowledge(
        this.relayBot,
        'AwsSolutions-SMG4',
        'A bot token is issued by Telegram (BotFather /revoke): Secrets Manager cannot rotate it',
      );
      this.relay = new PoolFunction(this, 'AlarmRelay', {
        entry: telegram.entry,
        description: 'relays pool alarms to the operators’ Telegram chat',
        environmentSchema: telegram.envSchema ?? alarmRelayEnvSchema,
        logRetention: telegram.logRetention,
        timeout: Duration.seconds(30),
        environment: { ALERTS_TELEGRAM_CHAT_ID: telegram.chatId },
      });
      this.relay.useSecret('TELEGRAM_BOT_TOKEN_SECRET_ARN', this.relayBot);
      this.topic.addSubscription(new LambdaSubscription(this.relay));
    }
  }
}
