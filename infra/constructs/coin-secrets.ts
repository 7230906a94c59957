import { type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.js';

export interface CoinSecretsProps {
  symbol: string;
  removalPolicy: RemovalPolicy;
}

/**
 * One coin's secrets under its own KMS key, so a role of another coin cannot decrypt them even by mistake.
 * Created with generated placeholder values: the operator writes the real ones (docs/deploy.md); CloudFormation
 * never sees them.
 */
export class CoinSecrets extends Construct {
  readonly key: Key;
  /** JSON `{ "user": "...", "password": "..." }`: RPC credentials of the coin's daemons. */
  readonly daemonRpc: Secret;
  /** The payout wallet's key material; only the payout Lambda may read it. */
  readonly payoutWallet: Secret;

  constructor(scope: Construct, id: string, props: CoinSecretsProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: `${props.symbol} pool secrets`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    this.daemonRpc = new Secret(this, 'DaemonRpc', {
      description: `${props.symbol} daemon RPC credentials {"user","password"}: set the real values after deploy`,
      encryptionKey: this.key,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ user: 'pool' }),
        generateStringKey: 'password',
        excludePunctuation: true,
      },
      removalPolicy: props.removalPolicy,
    });
    this.payoutWallet = new Secret(this, 'PayoutWallet', {
      description: `${props.symbol} payout wallet key: set the real value after deploy`,
      encryptionKey: this.key,
      removalPolicy: props.removalPolicy,
    });
    acknowledge(
      this.daemonRpc,
      'AwsSolutions-SMG4',
      'RPC credentials live in the daemons’ own config (rpcauth); rotating them needs the daemon restarted by the operator',
    );
    acknowledge(
      this.payoutWallet,
      'AwsSolutions-SMG4',
      'A wallet key cannot be rotated by replacing the secret: funds would stay on the old key',
    );
  }
}

/**
 * A coin's secret as a reader in another stack takes it (merged mining: the parent's stratum task, the aux coin's
 * money Lambdas): by ARN, with kms:Decrypt on the coin's key, through Secrets Manager only, granted on the reader's
 * role. The secret's own grantRead would also name the reader's role in the key's policy: a reference back to the
 * reader's stack, a cycle when that stack depends on the secret's. The caller grants reading the returned secret.
 */
export function secretForOtherStack(
  scope: Construct,
  id: string,
  secret: ISecret,
  key: IKey,
  reader: IGrantable,
): ISecret {
  reader.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(scope).region}.amazonaws.com` } },
    }),
  );
  return Secret.fromSecretCompleteArn(scope, id, secret.secretArn);
}
