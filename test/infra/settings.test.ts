import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config/load.js';
import { ConfigError } from '../../core/errors.js';
import { containerConfig, EXAMPLE_CONFIG, loadInputs } from '../../infra/pool-config.js';
import { coinSizing, parseDeploySettings } from '../../infra/settings.js';
import { buildTestApp, coin, DAEMON_PASSWORD, difficulty } from './helpers.js';

describe('deploy settings', () => {
  it('default to a dev stage with no account (environment-agnostic)', () => {
    const s = parseDeploySettings({});
    expect(s.stage).toBe('dev');
    expect(s.account).toBeUndefined();
  });

  it('reject unknown keys so a typo cannot fall back to a default', () => {
    expect(() => parseDeploySettings({ stgae: 'prod' })).toThrow(ConfigError);
    expect(() => parseDeploySettings({ coins: { LTC: { certificateArn: 'not-an-arn' } } })).toThrow(/ARN/);
  });

  it('apply per-coin sizing over the stage profile and never let max fall below min', () => {
    const s = parseDeploySettings({ stage: 'prod', coins: { LTC: { minTasks: 4, maxTasks: 3 } } });
    expect(coinSizing(s, 'LTC')).toMatchObject({ minTasks: 4, maxTasks: 4 });
    expect(coinSizing(s, 'BTC')).toMatchObject({ minTasks: 2, maxTasks: 10 });
  });
});

describe('loading inputs', () => {
  it('falls back to the example config, which is valid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-'));
    const inputs = loadInputs(() => undefined, dir);
    expect(inputs.configPath).toBe(EXAMPLE_CONFIG);
    // Two coins, as docs/deploy.md shows it: each becomes its own stack.
    expect(inputs.config.coins.map((c) => c.symbol)).toEqual(['LTC', 'BTC']);
  });

  it('reads -c config and -c deploy paths and lets -c stage override the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-'));
    writeFileSync(join(dir, 'my.json'), JSON.stringify({ coins: [coin('LTC', [{ port: 3333, difficulty }])] }));
    writeFileSync(join(dir, 'aws.json'), JSON.stringify({ stage: 'dev', alarmEmail: 'ops@example.org' }));
    const ctx: Record<string, string> = { config: 'my.json', deploy: 'aws.json', stage: 'prod' };
    const inputs = loadInputs((k) => ctx[k], dir);
    expect(inputs.settings).toMatchObject({ stage: 'prod', alarmEmail: 'ops@example.org' });
  });

  it('names a missing config file instead of deploying the example', () => {
    expect(() => loadInputs((k) => (k === 'config' ? 'nope.json' : undefined), tmpdir())).toThrow(/nope\.json/);
  });
});

describe('container config', () => {
  const config = parseConfig({
    coins: [
      coin('LTC', [{ port: 3443, difficulty, tls: { certFile: 'c.pem', keyFile: 'k.pem' } }]),
      coin('BTC', [{ port: 4333, difficulty }]),
    ],
  });

  it('holds only its coin, listens on all interfaces, expects PROXY v2 and has no TLS files or passwords', () => {
    const out = containerConfig(config, config.coins[0]!);
    expect(out.coins.map((c) => c.symbol)).toEqual(['LTC']);
    expect(out.coins[0]?.ports[0]).toMatchObject({ host: '0.0.0.0', port: 3443 });
    expect(out.coins[0]?.ports[0]?.tls).toBeUndefined();
    expect(out.stratum.proxyProtocol).toBe(true);
    expect(JSON.stringify(out)).not.toContain(DAEMON_PASSWORD);
  });

  it('refuses stratum+ssl without a certificate in the deploy settings', () => {
    expect(() =>
      buildTestApp({ coins: [coin('LTC', [{ port: 3443, difficulty, tls: { certFile: 'c', keyFile: 'k' } }])] }),
    ).toThrow(/certificateArn/);
  });

  it('refuses a drain longer than Fargate lets a task stop', () => {
    expect(() =>
      buildTestApp({ stratum: { drainSeconds: 115 }, coins: [coin('LTC', [{ port: 3333, difficulty }])] }),
    ).toThrow(/drainSeconds/);
  });
});
