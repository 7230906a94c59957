import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The peer's address is this machine's (IPv4, IPv6 or IPv4-mapped loopback). */
export function isLoopbackPeer(req: IncomingMessage): boolean {
  const remote = req.socket.remoteAddress ?? '';
  return remote === '::1' || /^(::ffff:)?127\./.test(remote);
}

/**
 * The Host header names this machine by a loopback name. A web page that rebinds its own domain to 127.0.0.1 (DNS
 * rebinding) reaches a loopback server as the same origin, but its requests still carry its own domain as Host.
 */
export function hasLoopbackHost(req: IncomingMessage): boolean {
  const host = (req.headers.host ?? '').toLowerCase();
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return name === 'localhost' || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name ?? '');
}

/**
 * Sent by a browser: fetch and form posts carry Origin or Sec-Fetch-Site; the pool CLI and curl carry neither. A
 * page the operator opens can make the browser post to a loopback port (CSRF): such requests are refused whatever
 * else they carry.
 */
export function isFromBrowser(req: IncomingMessage): boolean {
  return req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined;
}

/** `Authorization: Bearer <token>` with this token (compared in constant time). */
export function hasBearerToken(req: IncomingMessage, token: string): boolean {
  const got = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!got) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(got), digest(token));
}
