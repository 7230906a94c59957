import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { configWithSecrets, SECRET_VALUES } from '../helpers/secrets-config.js';
import { buildTestApp } from './helpers.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe('secrets in the CDK app', () => {
  it('refuses a config with inline secrets, naming each key and the secretArn to use instead', () => {
    let message = '';
    try {
      buildTestApp(configWithSecrets({ inline: true }));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/coins\[0\]\.conversion\.exchanges\[0\]\.credentials\.apiKey\b.*secretArn/);
    for (const key of ['secret', 'password', 'withdrawalKey'])
      expect(message).toContain(`coins[0].conversion.exchanges[0].credentials.${key}`);
    expect(message).toMatch(/coins\[0\]\.conversion\.targets\[1\]\.payouts\.privateKey\b.*payouts\.secretArn/);
    expect(message).toMatch(/coins\[0\]\.daemons\[1\]\.url\b.*DaemonRpc/);
    // The refusal itself must not print them.
    for (const value of Object.values(SECRET_VALUES)) expect(message).not.toContain(value);
  });

  it('keeps every daemon and wallet credential out of every synthesized template and asset manifest', () => {
    const { app } = buildTestApp(configWithSecrets({ inline: false }));
    const assembly = app.synth();
    const files = filesUnder(assembly.directory);
    expect(files.some((f) => f.endsWith('.template.json'))).toBe(true);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const [kind, value] of Object.entries(SECRET_VALUES))
        expect(text, `${kind} in ${file}`).not.toContain(value);
    }
  }, 120_000); // a whole synth with cdk-nag: seconds alone, far more on a shared machine

  it('gives the public stats Lambda no exchange, wallet or daemon settings', () => {
    const { stacks } = buildTestApp(configWithSecrets({ inline: false }));
    const fns = Template.fromStack(stacks.api!).findResources('AWS::Lambda::Function');
    const stats = Object.values(fns).find((f) => String(f.Properties.Description).includes('statistics'))!;
    const env = JSON.stringify(stats.Properties.Environment.Variables);
    expect(env).toContain('USDT'); // what miners may choose
    for (const leak of ['secretArn', 'daemon', 'rpcUrl', 'exchanges', 'binance', 'contract', '10.0.100'])
      expect(env).not.toContain(leak);
  });

  it('gives the stratum task no conversion settings', () => {
    const { stacks } = buildTestApp(configWithSecrets({ inline: false }));
    const tasks = Template.fromStack(stacks.coins[0]!).findResources('AWS::ECS::TaskDefinition');
    const env = JSON.stringify(Object.values(tasks)[0]!.Properties.ContainerDefinitions);
    expect(env).toContain('POOL_CONFIG_JSON');
    for (const leak of ['conversion', 'secretArn', 'binance']) expect(env).not.toContain(leak);
  });
});
