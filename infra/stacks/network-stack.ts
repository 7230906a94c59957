import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  IpAddresses,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { Cluster, ContainerInsights } from 'aws-cdk-lib/aws-ecs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledge } from '../nag.js';

export interface NetworkStackProps extends StackProps {
  natGateways: number;
  interfaceEndpoints: boolean;
  logRetention: RetentionDays;
}

/**
 * Shared by every coin: a VPC over two AZs (public subnets for the NLBs and NAT, private ones for the tasks) and
 * the ECS cluster. Endpoints keep share and log traffic off the NAT gateways.
 */
export class NetworkStack extends Stack {
  readonly vpc: Vpc;
  readonly cluster: Cluster;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    this.vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr('10.40.0.0/16'),
      maxAzs: 2,
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      flowLogs: {
        rejected: {
          trafficType: FlowLogTrafficType.REJECT,
          destination: FlowLogDestination.toCloudWatchLogs(
            new LogGroup(this, 'FlowLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
          ),
        },
      },
    });
    this.vpc.addGatewayEndpoint('DynamoDb', { service: GatewayVpcEndpointAwsService.DYNAMODB });
    this.vpc.addGatewayEndpoint('S3', { service: GatewayVpcEndpointAwsService.S3 });
    if (props.interfaceEndpoints) {
      const services = {
        Sqs: InterfaceVpcEndpointAwsService.SQS,
        SecretsManager: InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        Logs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
        Monitoring: InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
        EcrApi: InterfaceVpcEndpointAwsService.ECR,
        EcrDocker: InterfaceVpcEndpointAwsService.ECR_DOCKER,
      };
      for (const [name, service] of Object.entries(services)) {
        const endpoint = this.vpc.addInterfaceEndpoint(name, {
          service,
          subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
        });
        acknowledge(
          endpoint,
          'AwsSolutions-EC23',
          'HTTPS (443) from inside the VPC only; the CIDR is a token cdk-nag cannot resolve',
        );
      }
    }
    this.cluster = new Cluster(this, 'Cluster', {
      vpc: this.vpc,
      // RunningTaskCount (connection scaling) and per-task metrics come from Container Insights.
      containerInsightsV2: ContainerInsights.ENABLED,
    });
  }
}
