import type { RemovalPolicy } from 'aws-cdk-lib';
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { CfnScalingPolicy } from 'aws-cdk-lib/aws-applicationautoscaling';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { type IVpc, Peer, Port, SecurityGroup, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  ContainerImage,
  CpuArchitecture,
  Secret as EcsSecret,
  FargateService,
  FargateTaskDefinition,
  type ICluster,
  LogDrivers,
  OperatingSystemFamily,
  UlimitName,
} from 'aws-cdk-lib/aws-ecs';
import {
  ListenerCertificate,
  NetworkLoadBalancer,
  NetworkTargetGroup,
  Protocol,
  SslPolicy,
  TargetType,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LIVE_PARTITION } from '../../adapters/aws/dynamo-live-stats.js';
import { BAN_PARTITION, PREFIX_PARTITION } from '../../adapters/aws/dynamo-stratum-coordination.js';
import { relativeDaemonMarkers } from '../../core/config/credentials.js';
import type { CoinConfig, PoolConfig, PortConfig } from '../../core/config/schema.js';
import { ConfigError } from '../../core/errors.js';
import { containerEnvSchema } from '../../fargate/src/env.js';
import { acknowledge } from '../nag.js';
import { OPS_PORT, REPO_ROOT, stratumConfig } from '../pool-config.js';
import { secretForOtherStack } from './coin-secrets.js';
import { checkEnvironmentAtSynth, type EnvironmentSchema } from './environment-check.js';
import { onlyPartitions, type PoolTable } from './pool-tables.js';

/** The NLB's TLS listeners close idle connections after 350 s and that cannot be changed. */
export const TLS_IDLE_TIMEOUT_SECONDS = 350;
/** Fargate's upper bound for a container's stopTimeout. */
const MAX_STOP_TIMEOUT_SECONDS = 120;

/** Credentials of one coin's daemons that ECS injects as two variables from the secret's `user` and `password`. */
export interface DaemonSecretRef {
  variables: { user: string; password: string };
  secret: ISecret;
  /** Set: the secret is another stack's (read by ARN with kms:Decrypt on its key: secretForOtherStack), under `id`. */
  other?: { id: string; key: IKey };
}

/** Items of a stats table the tasks write (and query) by partition key (dynamodb:LeadingKeys). */
export interface StatsAccess {
  table: PoolTable;
  write: readonly string[];
  /** Partitions also put (PutItem only): a switching port's state and switches. */
  put?: readonly string[];
  query: readonly string[];
}

/** What a stratum service's tasks serve: a coin (StratumService.coinTasks) or a switching port (issue 17). */
export interface StratumTasks {
  /** The coin's symbol or the switching port's name: descriptions, outputs, error messages. */
  label: string;
  /** The ports the NLB listens on and the tasks serve. */
  ports: readonly PortConfig[];
  /** The container's environment, but POOL_STRATUM_PROCESSES (from the task size). */
  environment: Record<string, string>;
  /** The runtime's check of that environment (a secret counts as set), run at synth. */
  environmentSchema: EnvironmentSchema;
  daemonSecrets: readonly DaemonSecretRef[];
  /** SendMessage on each. */
  shareQueues: readonly IQueue[];
  statsTables: readonly StatsAccess[];
  /** The deploy setting that names the certificate (said when a TLS port has none). */
  certificateSetting: string;
}

export interface StratumServiceProps {
  vpc: IVpc;
  cluster: ICluster;
  /** The stratum image's Dockerfile (the chain family's `deployment.stratumDockerfile`), built for ARM64. */
  dockerfile: string;
  config: Readonly<PoolConfig>;
  tasks: StratumTasks;
  /** Required when a port has `tls`: the NLB terminates stratum+ssl with it. */
  certificateArn?: string;
  sizing: { cpu: number; memoryMiB: number; minTasks: number; maxTasks: number; connectionsPerTask: number };
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
}

/** What a coin's stratum tasks are built from (its stack's queue, stats table and secrets). */
export interface CoinTasksProps {
  config: Readonly<PoolConfig>;
  coin: Readonly<CoinConfig>;
  shareQueue: IQueue;
  /** The coin's stats table: each task writes its live snapshot there (miners online, current job). */
  statsTable: PoolTable;
  /** {"user","password"} of the coin's daemons, when its chain family's nodes take RPC credentials. */
  daemonSecret?: ISecret;
  /**
   * Merged mining: each aux coin's {"user","password"} secret (its stack's), for createauxblock/submitauxblock on its
   * nodes: injected as POOL_<SYMBOL>_DAEMON_USER/PASSWORD, the markers of its daemons in the config
   * (core/config/credentials.ts relativeDaemonMarkers).
   */
  auxDaemonSecrets?: ReadonlyArray<{ symbol: string; secret: ISecret; key: IKey }>;
}

/** A merged relative's (or a switching port's coin's) secret, under its own markers and read by ARN. */
export function relativeDaemonSecret(symbol: string, secret: ISecret, key: IKey): DaemonSecretRef {
  const markers = relativeDaemonMarkers(symbol);
  return {
    variables: { user: markers.user.slice(1), password: markers.password.slice(1) },
    secret,
    other: { id: `${symbol}DaemonRpc`, key },
  };
}

export interface StratumEndpoint {
  url: string;
  port: number;
  tls: boolean;
  targetGroup: NetworkTargetGroup;
}

/**
 * One coin's stratum front: an internet-facing NLB with a listener per configured port (TCP, or TLS for
 * stratum+ssl) forwarding with PROXY protocol v2 to Fargate tasks (ARM64) in private subnets.
 *
 * Draining: ECS first deregisters a stopping task from its target groups (established flows stay open: connection
 * termination is off), then sends SIGTERM; the server sends client.reconnect and closes after `drainSeconds`,
 * inside `stopTimeout`.
 */
export class StratumService extends Construct {
  readonly loadBalancer: NetworkLoadBalancer;
  readonly service: FargateService;
  readonly endpoints: readonly StratumEndpoint[];

  /** A coin's tasks: POOL_COIN, its queue, its stats table (live counts, bans, the prefix lease), its secrets. */
  static coinTasks(props: CoinTasksProps): StratumTasks {
    const { coin } = props;
    return {
      label: coin.symbol,
      ports: coin.ports,
      environment: {
        POOL_COIN: coin.symbol,
        POOL_CONFIG_JSON: JSON.stringify(stratumConfig(props.config, coin)),
        SHARE_QUEUE_URL: props.shareQueue.queueUrl,
        STATS_TABLE: props.statsTable.table.tableName,
      },
      environmentSchema: containerEnvSchema,
      daemonSecrets: [
        ...(props.daemonSecret
          ? [{ variables: { user: 'POOL_DAEMON_USER', password: 'POOL_DAEMON_PASSWORD' }, secret: props.daemonSecret }]
          : []),
        // An aux coin's secret is in its own stack, which this one depends on: read by ARN (secretForOtherStack).
        ...(props.auxDaemonSecrets ?? []).map((a) => relativeDaemonSecret(a.symbol, a.secret, a.key)),
      ],
      shareQueues: [props.shareQueue],
      statsTables: [
        { table: props.statsTable, write: [LIVE_PARTITION, BAN_PARTITION, PREFIX_PARTITION], query: [BAN_PARTITION] },
      ],
      certificateSetting: `coins.${coin.symbol}.certificateArn`,
    };
  }

  constructor(scope: Construct, id: string, props: StratumServiceProps) {
    super(scope, id);
    const { config, tasks } = props;
    const { keepAliveSeconds, idleTimeoutSeconds, drainSeconds } = config.stratum;
    const symbol = tasks.label;

    const tlsPorts = tasks.ports.filter((p) => p.tls);
    if (tlsPorts.length > 0 && !props.certificateArn) {
      throw new ConfigError(
        `${symbol}: port ${tlsPorts.map((p) => p.port).join(', ')} has tls; set ${tasks.certificateSetting} in the deploy settings`,
      );
    }
    if (tlsPorts.length > 0 && keepAliveSeconds >= TLS_IDLE_TIMEOUT_SECONDS) {
      throw new ConfigError(
        `stratum.keepAliveSeconds (${keepAliveSeconds}) must stay below the NLB TLS idle timeout (${TLS_IDLE_TIMEOUT_SECONDS} s)`,
      );
    }
    const stopTimeout = drainSeconds + 10;
    if (stopTimeout > MAX_STOP_TIMEOUT_SECONDS) {
      throw new ConfigError(
        `stratum.drainSeconds (${drainSeconds}) leaves no time to close within Fargate's ${MAX_STOP_TIMEOUT_SECONDS} s stopTimeout`,
      );
    }

    // --- task ---------------------------------------------------------------------------------------------
    const taskDefinition = new FargateTaskDefinition(this, 'Task', {
      cpu: props.sizing.cpu,
      memoryLimitMiB: props.sizing.memoryMiB,
      runtimePlatform: { cpuArchitecture: CpuArchitecture.ARM64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    const environment = {
      ...tasks.environment,
      // One stratum process per whole vCPU (fargate/src/main.ts): a 2-vCPU task checks shares on both.
      POOL_STRATUM_PROCESSES: String(stratumProcesses(props.sizing.cpu)),
    };
    // The daemons' RPC credentials replace the markers of the config (when the coins' nodes take credentials).
    const secrets: Record<string, EcsSecret> = {};
    for (const d of tasks.daemonSecrets) {
      const secret = d.other
        ? secretForOtherStack(this, d.other.id, d.secret, d.other.key, taskDefinition.obtainExecutionRole())
        : d.secret;
      secrets[d.variables.user] = EcsSecret.fromSecretsManager(secret, 'user');
      secrets[d.variables.password] = EcsSecret.fromSecretsManager(secret, 'password');
    }
    const hasSecrets = Object.keys(secrets).length > 0;
    // The container reads its environment through its schema at start; a task that would refuse it fails the synth.
    // A secret counts as set (ECS injects it as a variable of that name).
    checkEnvironmentAtSynth(this, tasks.environmentSchema, () => ({
      ...environment,
      ...Object.fromEntries(Object.keys(secrets).map((name) => [name, 'from Secrets Manager'])),
    }));
    const container = taskDefinition.addContainer('stratum', {
      image: ContainerImage.fromAsset(REPO_ROOT, { file: props.dockerfile, platform: Platform.LINUX_ARM64 }),
      essential: true,
      readonlyRootFilesystem: true,
      logging: LogDrivers.awsLogs({ streamPrefix: 'stratum', logGroup }),
      environment,
      ...(hasSecrets && { secrets }),
      // Every miner is a socket; the default 1024 descriptors would cap a task at ~1000 miners.
      ulimits: [{ name: UlimitName.NOFILE, softLimit: 65536, hardLimit: 65536 }],
      stopTimeout: Duration.seconds(stopTimeout),
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${OPS_PORT}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
        ],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      portMappings: [...tasks.ports.map((p) => ({ containerPort: p.port })), { containerPort: OPS_PORT }],
    });
    // The root filesystem is read-only; the share spool (batches SQS did not accept yet) needs a writable
    // directory. Task storage outlives a crashed process (ECS restarts the container in the same task) but not the
    // task: acknowledged shares still in the spool when a task is replaced are the documented residual risk.
    taskDefinition.addVolume({ name: 'spool' });
    container.addMountPoints({ sourceVolume: 'spool', containerPath: '/var/spool/edgepool', readOnly: false });
    for (const queue of tasks.shareQueues) queue.grantSendMessages(taskDefinition.taskRole);
    // The stats tables, only the partitions a task writes (live snapshots, bans, extranonce1 prefix leases; a
    // switching port's state) and only the bans read back (the other tasks'): items, never the table.
    for (const access of tasks.statsTables) {
      const stats = access.table.table.tableArn;
      const statement = (actions: string[], partitions: readonly string[]) =>
        taskDefinition.taskRole.addToPrincipalPolicy(
          new PolicyStatement({ actions, resources: [stats], conditions: onlyPartitions(partitions) }),
        );
      statement(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], access.write);
      if (access.put?.length) statement(['dynamodb:PutItem'], access.put);
      if (access.query.length > 0) statement(['dynamodb:Query'], access.query);
    }
    acknowledge(
      taskDefinition,
      'AwsSolutions-ECS2',
      'Only non-secret settings are plain environment (coin or port, queue URLs, config without credentials); RPC credentials come from Secrets Manager',
    );
    acknowledge(
      taskDefinition.obtainExecutionRole(),
      'AwsSolutions-IAM5[Resource::*]',
      'ecr:GetAuthorizationToken supports no resource-level permissions (ECS image pull)',
    );

    // --- network ------------------------------------------------------------------------------------------
    const lbSecurityGroup = new SecurityGroup(this, 'LbSg', {
      vpc: props.vpc,
      description: `${symbol} stratum NLB: miners from anywhere on the stratum ports`,
      allowAllOutbound: false,
    });
    const taskSecurityGroup = new SecurityGroup(this, 'TaskSg', {
      vpc: props.vpc,
      description: `${symbol} stratum tasks: only from the NLB; out to daemons and AWS APIs`,
      allowAllOutbound: true,
    });
    for (const p of tasks.ports) {
      lbSecurityGroup.addIngressRule(Peer.anyIpv4(), Port.tcp(p.port), `stratum ${p.port}`);
      lbSecurityGroup.addEgressRule(taskSecurityGroup, Port.tcp(p.port), `to tasks ${p.port}`);
      taskSecurityGroup.addIngressRule(lbSecurityGroup, Port.tcp(p.port), `from NLB ${p.port}`);
    }
    lbSecurityGroup.addEgressRule(taskSecurityGroup, Port.tcp(OPS_PORT), 'health checks');
    taskSecurityGroup.addIngressRule(lbSecurityGroup, Port.tcp(OPS_PORT), 'health checks from NLB');

    this.loadBalancer = new NetworkLoadBalancer(this, 'Nlb', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: SubnetType.PUBLIC },
      securityGroups: [lbSecurityGroup],
      // A miner keeps its connection for hours; spreading them over both AZs' tasks matters more than AZ affinity.
      crossZoneEnabled: true,
      deletionProtection: props.deletionProtection,
    });
    acknowledge(
      this.loadBalancer,
      'AwsSolutions-ELB2',
      'NLB access logs only cover TLS listeners; connection counts come from CloudWatch and the server’s metrics',
    );
    acknowledge(
      lbSecurityGroup,
      'AwsSolutions-EC23',
      'Public stratum ports are the service: miners connect from anywhere, on the configured ports only',
    );

    // --- service ------------------------------------------------------------------------------------------
    this.service = new FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition,
      desiredCount: props.sizing.minTasks,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [taskSecurityGroup],
      assignPublicIp: false,
      circuitBreaker: { enable: true, rollback: true },
      // New tasks come up before old ones drain, so a deployment never leaves a port without a target.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(60),
    });

    // The NLB may only cut an idle connection after the server's own idle timeout would have: the server decides.
    // TCP keepalive probes (every keepAliveSeconds) also reset the NLB's idle timer.
    const tcpIdleTimeout = Math.min(6000, Math.max(350, idleTimeoutSeconds + 60, keepAliveSeconds * 2));
    const endpoints: StratumEndpoint[] = [];
    for (const p of tasks.ports) {
      const tls = Boolean(p.tls);
      const targetGroup = new NetworkTargetGroup(this, `Tg${p.port}`, {
        vpc: props.vpc,
        port: p.port,
        protocol: Protocol.TCP,
        targetType: TargetType.IP,
        // The server reads the miner's real address from the PROXY v2 header (stratum.proxyProtocol).
        proxyProtocolV2: true,
        preserveClientIp: false,
        connectionTermination: false,
        deregistrationDelay: Duration.seconds(drainSeconds + 10),
        healthCheck: {
          protocol: Protocol.HTTP,
          port: String(OPS_PORT),
          path: '/health',
          interval: Duration.seconds(10),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 2,
        },
      });
      targetGroup.addTarget(
        this.service.loadBalancerTarget({ containerName: container.containerName, containerPort: p.port }),
      );
      this.loadBalancer.addListener(`Listener${p.port}`, {
        port: p.port,
        protocol: tls ? Protocol.TLS : Protocol.TCP,
        defaultTargetGroups: [targetGroup],
        ...(tls
          ? {
              certificates: [ListenerCertificate.fromArn(props.certificateArn!)],
              sslPolicy: SslPolicy.RECOMMENDED_TLS,
            }
          : { tcpIdleTimeout: Duration.seconds(tcpIdleTimeout) }),
      });
      const url = `stratum+${tls ? 'ssl' : 'tcp'}://${this.loadBalancer.loadBalancerDnsName}:${p.port}`;
      endpoints.push({ url, port: p.port, tls, targetGroup });
      new CfnOutput(Stack.of(this), `Stratum${symbol}${p.port}`, {
        description: `${symbol} stratum endpoint (difficulty ${p.difficulty.initial})`,
        value: url,
      });
    }
    this.endpoints = endpoints;

    // --- scaling ------------------------------------------------------------------------------------------
    const scaling = this.service.autoScaleTaskCount({
      minCapacity: props.sizing.minTasks,
      maxCapacity: props.sizing.maxTasks,
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      // Scale in slowly: every task removed sends its miners a reconnect.
      scaleInCooldown: Duration.minutes(10),
      scaleOutCooldown: Duration.minutes(2),
    });
    this.scaleOnConnections(scaling, props.sizing.connectionsPerTask);
  }

  /**
   * Target tracking on connections per task: NLB active flows divided by running tasks. CDK's target tracking
   * takes a single metric, so the metric math goes in through the CloudFormation property.
   */
  private scaleOnConnections(scaling: ReturnType<FargateService['autoScaleTaskCount']>, perTask: number) {
    const placeholder = new Metric({ namespace: 'AWS/NetworkELB', metricName: 'ActiveFlowCount' });
    scaling.scaleToTrackCustomMetric('Connections', {
      metric: placeholder,
      targetValue: perTask,
      scaleInCooldown: Duration.minutes(10),
      scaleOutCooldown: Duration.minutes(2),
    });
    const cfn = scaling.node
      .findAll()
      .find((c): c is CfnScalingPolicy => c instanceof CfnScalingPolicy && c.node.path.includes('/Connections/'));
    if (!cfn) throw new Error('connection scaling policy not found');
    const spec = 'TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification';
    for (const key of ['MetricName', 'Namespace', 'Statistic', 'Dimensions', 'Unit']) {
      cfn.addPropertyDeletionOverride(`${spec}.${key}`);
    }
    cfn.addPropertyOverride(`${spec}.Metrics`, [
      {
        Id: 'flows',
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/NetworkELB',
            MetricName: 'ActiveFlowCount',
            Dimensions: [{ Name: 'LoadBalancer', Value: this.loadBalancer.loadBalancerFullName }],
          },
          Stat: 'Average',
        },
      },
      {
        Id: 'tasks',
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights',
            MetricName: 'RunningTaskCount',
            Dimensions: [
              { Name: 'ClusterName', Value: this.service.cluster.clusterName },
              { Name: 'ServiceName', Value: this.service.serviceName },
            ],
          },
          Stat: 'Average',
        },
      },
      { Id: 'perTask', Expression: 'flows / tasks', Label: 'connections per task', ReturnData: true },
    ]);
  }
}

/** Stratum processes for a task of `cpu` units (1024 = one vCPU): one per whole vCPU, at least one. */
export function stratumProcesses(cpu: number): number {
  return Math.max(1, Math.floor(cpu / 1024));
}
