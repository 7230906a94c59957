import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicAddress, WebhookSender } from '../../../adapters/notify/webhook.js';
import { startWebhookReceiver } from '../../helpers/webhook-receiver.js';

describe('webhook targets (SSRF)', () => {
  it('knows private, loopback, link-local and mapped addresses from public ones', () => {
    for (const a of [
      '10.1.2.3',
      '127.0.0.1',
      '169.254.169.254',
      '172.20.0.1',
      '192.168.1.1',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '::ffff:127.0.0.1',
      '224.0.0.1',
    ])
      expect(isPublicAddress(a), a).toBe(false);
    for (const a of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111']) expect(isPublicAddress(a), a).toBe(true);
    expect(isPublicAddress('not-an-ip')).toBe(false);
  });

  it('in AWS takes only https to names that resolve to public addresses only', async () => {
    const dns: Record<string, string[]> = {
      'hooks.example.com': ['93.184.216.34'],
      'rebind.example.com': ['93.184.216.34', '10.0.0.7'],
      'internal.example.com': ['172.31.0.10'],
    };
    const aws = new WebhookSender({ mode: 'aws', resolve: async (h) => dns[h] ?? [] });
    expect(await aws.checkUrl('https://hooks.example.com/x')).toBeUndefined();
    expect(await aws.checkUrl('http://hooks.example.com/x')).toBe('the URL must be https');
    expect(await aws.checkUrl('http://127.0.0.1:8080/x')).toBe('the URL must be https');
    expect(await aws.checkUrl('https://rebind.example.com/x')).toBe('the host is not a public address');
    expect(await aws.checkUrl('https://internal.example.com/x')).toBe('the host is not a public address');
    expect(await aws.checkUrl('https://169.254.169.254/latest/meta-data')).toBe('the host is not a public address');
    expect(await aws.checkUrl('https://[::ffff:a00:1]/')).toBe('the host is not a public address');
    expect(await aws.checkUrl('https://nowhere.example.com/')).toBe('the host name does not resolve');
    expect(await aws.checkUrl('https://user:pw@hooks.example.com/')).toBe('credentials in the URL are not allowed');
    expect(await aws.checkUrl('file:///etc/passwd')).toBe('the URL must be https');
  });

  it('in local mode also takes plain http to 127.0.0.1, and nothing else private', async () => {
    const local = new WebhookSender({ mode: 'local', resolve: async () => ['127.0.0.1'] });
    expect(await local.checkUrl('http://127.0.0.1:9000/hook')).toBeUndefined();
    expect(await local.checkUrl('http://localhost:9000/hook')).toBe('http only to 127.0.0.1 (use https)');
    expect(await local.checkUrl('http://192.168.1.2/hook')).toBe('http only to 127.0.0.1 (use https)');
    expect(await local.checkUrl('https://localhost/hook')).toBe('the host is not a public address');
  });
});

describe('webhook requests', () => {
  let redirect: { url: string; stop(): Promise<void> };
  let target: Awaited<ReturnType<typeof startWebhookReceiver>>;
  beforeAll(async () => {
    target = await startWebhookReceiver();
    const server = createServer((_req, res) => res.writeHead(302, { location: target.url }).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    redirect = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      stop: () => new Promise<void>((r) => server.close(() => r())),
    };
  });
  afterAll(async () => {
    await redirect?.stop();
    await target?.stop();
  });

  it('follows no redirect (a 3xx is a permanent failure)', async () => {
    const out = await new WebhookSender({ mode: 'local' }).post(redirect.url, '{}', {});
    expect(out).toEqual({ ok: false, permanent: true, error: 'webhook answered 302' });
    expect(target.received).toHaveLength(0);
  });

  it('makes no request to a refused target', async () => {
    const aws = new WebhookSender({ mode: 'aws' });
    const out = await aws.post(target.url, '{}', {});
    expect(out).toMatchObject({ ok: false, permanent: true });
    expect(target.received).toHaveLength(0);
  });

  it('reports a connection refused as retryable', async () => {
    const out = await new WebhookSender({ mode: 'local' }).post('http://127.0.0.1:1/hook', '{}', {});
    expect(out).toMatchObject({ ok: false, permanent: false });
  });
});
