import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ShareQueueProps {
  /** The consumer's timeout: SQS must not redeliver a batch while the consumer still works on it. */
  consumerTimeout: Duration;
  removalPolicy: RemovalPolicy;
  /** Receives before a batch is parked in the DLQ. */
  maxReceiveCount?: number;
}

/**
 * The share queue of one coin and its dead-letter queue. A share batch that fails `maxReceiveCount` times lands in
 * the DLQ (14 days to look at it and redrive) instead of blocking the queue or being dropped.
 */
export class ShareQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ShareQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'Dlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's guidance for Lambda event sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
      removalPolicy: props.removalPolicy,
    });
  }
}
