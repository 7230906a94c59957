import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { SendOutcome } from '../../core/notify/delivery.js';
import type { WebhookPoster } from '../../core/ports/notify.js';

/**
 * Webhooks (issue 19) without server-side request forgery: a miner chooses the URL, the pool makes the request, so
 * the pool must never be the miner's way into its own network (the VPC, the instance metadata at 169.254.169.254,
 * a loopback admin port). In AWS a target must be https and every address its name resolves to must be public; the
 * request then connects to the address that was checked (no second lookup that a rebinding DNS could answer
 * differently), follows no redirect and times out. Local mode also allows plain http to 127.0.0.1 (a receiver on the
 * operator's machine), nothing else private.
 */
export type WebhookMode = 'aws' | 'local';

/**
 * Ranges no webhook may reach: private, loopback, link-local, shared, documentation, multicast, reserved. Two lists,
 * each asked only for its own family: Node's BlockList matches an IPv4 address against IPv6 rules as IPv4-mapped,
 * so the ::ffff:0:0/96 rule would otherwise refuse every IPv4 address.
 */
const BLOCKED_V4 = (() => {
  const b = new BlockList();
  for (const [net, bits] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.88.99.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const)
    b.addSubnet(net, bits, 'ipv4');
  return b;
})();
const BLOCKED_V6 = (() => {
  const b = new BlockList();
  for (const [net, bits] of [
    ['::', 128],
    ['::1', 128],
    ['::ffff:0:0', 96], // IPv4-mapped: would reach any IPv4 address, private ones included
    ['64:ff9b::', 96], // NAT64
    ['100::', 64],
    ['2001::', 23], // IETF assignments (Teredo…)
    ['2001:db8::', 32],
    ['2002::', 16], // 6to4 embeds an IPv4 address
    ['fc00::', 7], // unique local
    ['fe80::', 10], // link-local
    ['fec0::', 10],
    ['ff00::', 8], // multicast
  ] as const)
    b.addSubnet(net, bits, 'ipv6');
  return b;
})();

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? !BLOCKED_V4.check(address, 'ipv4') : !BLOCKED_V6.check(address, 'ipv6');
}

export interface WebhookSenderOptions {
  mode: WebhookMode;
  /** Resolves a host name to all its addresses (tests replace DNS). */
  resolve?: (host: string) => Promise<string[]>;
  timeoutMs?: number;
}

/** Why a URL cannot be a webhook target, or the address to connect to. */
type Target = { ok: true; url: URL; address: string } | { ok: false; reason: string };

export class WebhookSender implements WebhookPoster {
  private readonly resolve: (host: string) => Promise<string[]>;

  constructor(private readonly opts: WebhookSenderOptions) {
    this.resolve =
      opts.resolve ?? (async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address));
  }

  async checkUrl(url: string): Promise<string | undefined> {
    const t = await this.target(url);
    return t.ok ? undefined : t.reason;
  }

  async post(url: string, body: string, headers: Record<string, string>): Promise<SendOutcome> {
    const t = await this.target(url);
    if (!t.ok) return { ok: false, permanent: true, error: `webhook target refused: ${t.reason}` };
    try {
      const status = await this.request(t, body, headers);
      if (status >= 200 && status < 300) return { ok: true };
      // 408 and 429 say "later"; 5xx is the receiver's trouble; any other 4xx (and a redirect, never followed)
      // will answer the same next time.
      const retry = status === 408 || status === 429 || status >= 500;
      return { ok: false, permanent: !retry, error: `webhook answered ${status}` };
    } catch (err) {
      return {
        ok: false,
        permanent: false,
        error: `webhook request failed (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      };
    }
  }

  private async target(raw: string): Promise<Target> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { ok: false, reason: 'not a URL' };
    }
    if (url.username || url.password) return { ok: false, reason: 'credentials in the URL are not allowed' };
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (url.protocol === 'http:') {
      if (this.opts.mode === 'local' && host === '127.0.0.1') return { ok: true, url, address: host };
      return {
        ok: false,
        reason: this.opts.mode === 'local' ? 'http only to 127.0.0.1 (use https)' : 'the URL must be https',
      };
    }
    if (url.protocol !== 'https:') return { ok: false, reason: 'the URL must be https' };
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : await this.resolve(host);
    } catch {
      return { ok: false, reason: 'the host name does not resolve' };
    }
    if (addresses.length === 0) return { ok: false, reason: 'the host name does not resolve' };
    // Every address, not just the first: a name answering one public and one private address is refused.
    if (!addresses.every(isPublicAddress)) return { ok: false, reason: 'the host is not a public address' };
    return { ok: true, url, address: addresses[0]! };
  }

  private request(t: Extract<Target, { ok: true }>, body: string, headers: Record<string, string>): Promise<number> {
    const family = isIP(t.address);
    // Connect to the address checked above, whatever DNS would answer now (TLS still verifies the host name).
    const lookup: LookupFunction = (_host, opts, cb) => {
      if ((opts as { all?: boolean }).all)
        (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: t.address, family }]);
      else cb(null, t.address, family);
    };
    const request = t.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      const req = request(
        t.url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'edgepool-notify' },
          lookup,
          timeout: this.opts.timeoutMs ?? 10_000,
        },
        (res: IncomingMessage) => {
          res.resume(); // the answer's body is not read
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(body);
    });
  }
}
