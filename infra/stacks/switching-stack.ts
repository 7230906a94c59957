import { Stack, type StackProps } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import type { ICluster } from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { LIVE_PARTITION } from '../../adapters/aws/dynamo-live-stats.js';
import { BAN_PARTITION, PREFIX_PARTITION } from '../../adapters/aws/dynamo-stratum-coordination.js';
import { switchesPartition, switchingStatePartition } from '../../adapters/aws/dynamo-switching-store.js';
import type { PoolConfig } from '../../core/config/schema.js';
import { CHAIN_FAMILIES, type ChainFamilies } from '../../families/registry.js';
import { switchingCoinVariables, switchingEnvSchema } from '../../fargate/src/env.js';
import { relativeDaemonSecret, StratumService } from '../constructs/stratum-service.js';
import { switchingContainerConfig } from '../pool-config.js';
import { coinSizing, type DeploySettings, STAGES } from '../settings.js';
import type { AuxCoinStack } from './aux-coin-stack.js';
import type { CoinStack } from './coin-stack.js';

export interface SwitchingStackProps extends StackProps {
  config: Readonly<PoolConfig>;
  port: Readonly<PoolConfig['switching'][number]>;
  settings: DeploySettings;
  vpc: IVpc;
  cluster: ICluster;
  /** The port's coins' stacks, in the port's order: their queues, stats tables and daemon secrets. */
  coins: readonly CoinStack[];
  /** The aux coins those coins merge (their stacks): their daemon secrets. */
  auxCoins: readonly AuxCoinStack[];
  families?: ChainFamilies;
}

/**
 * A switching port's stratum service (issue 17): its own NLB on the port's ports and Fargate tasks running the stratum
 * container with POOL_SWITCHING (fargate/src/main.ts). It owns nothing else: each share goes to its coin's queue,
 * the prefix lease and live counts to each coin's stats table, the port's state to the first coin's, with each
 * coin's (and aux coin's) daemon credentials. It depends on those coins' stacks and nothing depends on it but the
 * API (the NLB's name): every grant is on this stack's roles (secrets by ARN: secretForOtherStack), so no coin's
 * stack refers back to it.
 */
export class SwitchingStack extends Stack {
  readonly stratum: StratumService;

  constructor(scope: Construct, id: string, props: SwitchingStackProps) {
    super(scope, id, props);
    const { config, port } = props;
    const stage = STAGES[props.settings.stage];
    const first = props.coins[0]!;
    const firstConfig = config.coins.find((c) => c.symbol === first.symbol)!;
    const deployment = (props.families ?? CHAIN_FAMILIES).forCoin(firstConfig).deployment;
    const environment: Record<string, string> = {
      POOL_SWITCHING: port.name,
      POOL_CONFIG_JSON: JSON.stringify(switchingContainerConfig(config, port)),
    };
    for (const coin of props.coins) {
      const names = switchingCoinVariables(coin.symbol);
      environment[names.queueUrl] = coin.shareQueue.queue.queueUrl;
      environment[names.statsTable] = coin.tables.get('stats').table.tableName;
    }
    this.stratum = new StratumService(this, 'Stratum', {
      vpc: props.vpc,
      cluster: props.cluster,
      dockerfile: deployment.stratumDockerfile,
      config,
      tasks: {
        label: port.name,
        ports: port.ports,
        environment,
        environmentSchema: switchingEnvSchema,
        // Every coin's secret is another stack's, under the coin's own markers (switchingContainerConfig).
        daemonSecrets: [...props.coins, ...props.auxCoins].map((c) =>
          relativeDaemonSecret(c.symbol, c.secrets.daemonRpc, c.secrets.key),
        ),
        shareQueues: props.coins.map((c) => c.shareQueue.queue),
        statsTables: props.coins.map((c, i) => ({
          table: c.tables.get('stats'),
          // The prefix is leased and live counts reported in every coin's table; bans are the first coin's.
          write: i === 0 ? [LIVE_PARTITION, BAN_PARTITION, PREFIX_PARTITION] : [LIVE_PARTITION, PREFIX_PARTITION],
          ...(i === 0 && { put: [switchingStatePartition(port.name), switchesPartition(port.name)] }),
          query: i === 0 ? [BAN_PARTITION] : [],
        })),
        certificateSetting: `coins.${first.symbol}.certificateArn (a switching port's TLS ports use its first coin's)`,
      },
      certificateArn: props.settings.coins[first.symbol]?.certificateArn,
      // Sized as the stage's stratum tasks (deploy settings name coins, not switching ports).
      sizing: coinSizing(props.settings, port.name),
      logRetention: stage.logRetention,
      removalPolicy: stage.removalPolicy,
      deletionProtection: stage.deletionProtection,
    });
  }
}
