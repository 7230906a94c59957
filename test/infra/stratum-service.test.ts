import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../../fargate/src/container.js';
import { containerEnvSchema } from '../../fargate/src/env.js';
import { buildTestApp, coin, difficulty } from './helpers.js';

interface ContainerDefinition {
  Environment: { Name: string; Value: unknown }[];
  Secrets?: { Name: string }[];
}

/** The stratum container's environment as ECS gives it: its variables and its secrets, injected by name. */
function containerEnvironment(t: Template): Record<string, string> {
  const [task] = Object.values(t.findResources('AWS::ECS::TaskDefinition')) as {
    Properties: { ContainerDefinitions: ContainerDefinition[] };
  }[];
  const container = task!.Properties.ContainerDefinitions[0]!;
  return Object.fromEntries([
    // A reference (the queue URL, the stats table) is a string once deployed.
    ...container.Environment.map((e) => [e.Name, typeof e.Value === 'string' ? e.Value : `deployed ${e.Name}`]),
    ...(container.Secrets ?? []).map((s) => [s.Name, `secret ${s.Name}`]),
  ]);
}

describe('stratum service: the container environment', () => {
  let env: Record<string, string>;
  beforeAll(() => {
    const { stacks } = buildTestApp({ coins: [coin('LTC', [{ port: 3333, difficulty }])] }, { stage: 'prod' });
    env = containerEnvironment(Template.fromStack(stacks.coins[0]!));
  });

  it("satisfies the container's schema: the task starts with the settings the CDK app meant", () => {
    const s = settingsFromEnv(env);
    expect(s.coin).toBe('LTC');
    expect(s.config.coins.map((c) => c.symbol)).toEqual(['LTC']);
    expect(s.queueUrl).toBe('deployed SHARE_QUEUE_URL');
    expect(s.statsTable).toBe('deployed STATS_TABLE');
    expect(s.processes).toBe(Number(env.POOL_STRATUM_PROCESSES));
    // The config's credential markers are replaced by the secrets ECS injects.
    expect(s.config.coins[0]!.daemons[0]).toMatchObject({
      user: 'secret POOL_DAEMON_USER',
      password: 'secret POOL_DAEMON_PASSWORD',
    });
  });

  it('passes no variable the container does not read', () => {
    const known = Object.keys(containerEnvSchema.shape);
    expect(Object.keys(env).filter((name) => !known.includes(name))).toEqual([]);
  });
});
