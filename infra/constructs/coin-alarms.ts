import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { POOL_METRICS_NAMESPACE } from '../../lambdas/shared/emf.js';
import type { StratumService } from './stratum-service.js';

export { POOL_METRICS_NAMESPACE };

/** What every coin's money is watched by, a merge-mined coin's included (its money stack has no stratum or queue). */
export interface MoneyAlarmsProps {
  symbol: string;
  topic: ITopic;
  /** The coin's Lambdas: any error alarms. */
  functions: readonly IFunction[];
  /** No block recorded for the coin (BlocksFound) this long; 0 turns the alarm off. */
  noBlockAlarmHours: number;
}

export interface CoinAlarmsProps extends MoneyAlarmsProps {
  queue: IQueue;
  deadLetterQueue: IQueue;
  stratum: StratumService;
  /** A coin whose exchanges take deposits: alarm when one waits this long for the exchange's credit (0: off). */
  depositAlarmHours?: number;
  /** Converting coins: alarm when a conversion stays open this long (ConversionOpenHours from the conversion Lambda). */
  conversionOpenAlarmHours?: number;
}

/** A metric the pool's Lambdas report for one coin (EMF, lambdas/shared/emf.ts). */
function coinMetric(symbol: string, metricName: string, statistic: string, period: Duration): Metric {
  return new Metric({
    namespace: POOL_METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { Coin: symbol },
    statistic,
    period,
  });
}

/**
 * The alarms on a coin's money, sent to the shared alarm topic: its Lambdas' errors, no block for too long, payouts
 * suspended. A merge-mined coin (DOGE) has these alone, in its money stack (infra/stacks/aux-coin-stack.ts): its blocks
 * are found by the parent's stratum and queue, which the parent's CoinAlarms watch. Thresholds are the point where
 * shares or money are at risk, not where a graph looks unusual.
 */
export class MoneyAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  private readonly topic: ITopic;

  constructor(scope: Construct, id: string, props: MoneyAlarmsProps) {
    super(scope, id);
    this.topic = props.topic;
    const { symbol } = props;
    for (const fn of props.functions) {
      this.add(`${fn.node.id}Errors`, fn.metricErrors({ period: Duration.minutes(5) }), {
        threshold: 0,
        evaluationPeriods: 1,
        description: `${symbol} ${fn.node.id} Lambda errors`,
      });
    }
    if (props.noBlockAlarmHours > 0) {
      // The ingest Lambda reports each newly recorded block (BlocksFound, lambdas/ingest/handler.ts), an aux coin's
      // under the aux coin (so this alarm also hears an aux chain whose nodes the parent's stratum cannot reach).
      // Several windows that must all be empty: an alarm period is at most a day and its look-back at most 7 days.
      const windows = Math.max(6, Math.ceil(props.noBlockAlarmHours / 24));
      const period = Duration.minutes(Math.ceil((props.noBlockAlarmHours * 60) / windows));
      this.add('NoBlocks', coinMetric(symbol, 'BlocksFound', 'Sum', period), {
        threshold: 1,
        evaluationPeriods: windows,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.BREACHING,
        description: `${symbol}: no block found for ${props.noBlockAlarmHours} h`,
      });
    }
    // The payouts Lambda reports 1 or 0 every pass (lambdas/payouts/handler.ts).
    this.add('PayoutsSuspended', coinMetric(symbol, 'PayoutsSuspended', 'Maximum', Duration.minutes(5)), {
      threshold: 0,
      evaluationPeriods: 1,
      description: `${symbol} payouts are suspended: see the payout Lambda's logs`,
    });
  }

  protected add(
    id: string,
    metric: IMetric,
    opts: {
      threshold: number;
      evaluationPeriods: number;
      description: string;
      comparisonOperator?: ComparisonOperator;
      treatMissingData?: TreatMissingData;
    },
  ) {
    const alarm = new Alarm(this, id, {
      metric,
      threshold: opts.threshold,
      evaluationPeriods: opts.evaluationPeriods,
      comparisonOperator: opts.comparisonOperator ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: opts.treatMissingData ?? TreatMissingData.NOT_BREACHING,
      alarmDescription: opts.description,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}

/**
 * Everything an operator must hear about for one mined coin, plus a dashboard: its money (MoneyAlarms), its share
 * queue, its stratum tasks and ports.
 */
export class CoinAlarms extends MoneyAlarms {
  constructor(scope: Construct, id: string, props: CoinAlarmsProps) {
    super(scope, id, props);
    const { symbol } = props;

    // Shares wait: ingestion is behind or failing; miners' stats and balances lag.
    this.add('QueueAge', props.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1) }), {
      threshold: 300,
      evaluationPeriods: 5,
      description: `${symbol} share batches older than 5 minutes are waiting: ingestion is behind or failing`,
    });
    // Any message in the DLQ is a share batch that was not credited.
    this.add(
      'DlqDepth',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      {
        threshold: 0,
        evaluationPeriods: 1,
        description: `${symbol} share batches in the dead-letter queue: inspect and redrive`,
      },
    );
    if (props.depositAlarmHours) {
      // The conversion Lambda reports the oldest waiting deposit's age every run (lambdas/convert/handler.ts).
      this.add('DepositWaiting', coinMetric(symbol, 'DepositWaitHours', 'Maximum', Duration.hours(1)), {
        threshold: props.depositAlarmHours,
        evaluationPeriods: 1,
        description: `${symbol}: a deposit to an exchange has waited over ${props.depositAlarmHours} h for its credit: see \`pool conversion deposits\` / the conversion Lambda's logs`,
      });
    }
    if (props.conversionOpenAlarmHours) {
      this.add('ConversionStuck', coinMetric(symbol, 'ConversionOpenHours', 'Maximum', Duration.hours(1)), {
        threshold: props.conversionOpenAlarmHours,
        evaluationPeriods: 1,
        description: `${symbol}: a conversion has been open over ${props.conversionOpenAlarmHours} h (deposits, prices outside the bounds, fills or withdrawals): see the conversion Lambda's logs`,
      });
    }
    this.add('TaskCpu', props.stratum.service.metricCpuUtilization({ period: Duration.minutes(5) }), {
      threshold: 85,
      evaluationPeriods: 3,
      description: `${symbol} stratum tasks above 85% CPU for 15 minutes: scaling is at its limit or stuck`,
    });
    for (const ep of props.stratum.endpoints) {
      this.add(
        `NoHealthyTargets${ep.port}`,
        new Metric({
          namespace: 'AWS/NetworkELB',
          metricName: 'HealthyHostCount',
          dimensionsMap: {
            LoadBalancer: props.stratum.loadBalancer.loadBalancerFullName,
            TargetGroup: ep.targetGroup.targetGroupFullName,
          },
          statistic: 'Minimum',
          period: Duration.minutes(1),
        }),
        {
          threshold: 1,
          evaluationPeriods: 3,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.BREACHING,
          description: `${symbol} stratum port ${ep.port} has no healthy task: miners cannot connect`,
        },
      );
    }

    const flows = new Metric({
      namespace: 'AWS/NetworkELB',
      metricName: 'ActiveFlowCount',
      dimensionsMap: { LoadBalancer: props.stratum.loadBalancer.loadBalancerFullName },
      statistic: 'Average',
      period: Duration.minutes(1),
    });
    new Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new GraphWidget({ title: 'Miner connections', left: [flows] }),
          new GraphWidget({ title: 'Task CPU', left: [props.stratum.service.metricCpuUtilization()] }),
        ],
        [
          new GraphWidget({
            title: 'Share queue',
            left: [props.queue.metricApproximateNumberOfMessagesVisible()],
            right: [props.queue.metricApproximateAgeOfOldestMessage()],
          }),
          new GraphWidget({
            title: 'Lambdas',
            left: props.functions.map((f) => f.metricInvocations()),
            right: props.functions.map((f) => f.metricErrors()),
          }),
        ],
        [
          new GraphWidget({
            title: 'Blocks found',
            left: [coinMetric(symbol, 'BlocksFound', 'Sum', Duration.hours(1))],
          }),
        ],
      ],
    });
  }
}
