import { readFile } from 'node:fs/promises';
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ConfigError } from '../../../../core/errors.js';
import { LineFramer } from '../../stratum/framer.js';
import type { StratumJob } from '../types.js';

/** An upstream pool as configured (coins[].proxy.upstreams[]). */
export interface UpstreamEndpoint {
  url: string;
  user: string;
  password: string;
  /**
   * stratum+ssl: a PEM file of the CA (or the self-signed certificate) the upstream's certificate must chain to, in
   * place of the system's CAs (a private upstream). The certificate is always verified, the host name too.
   */
  caFile?: string;
}

/** A mining.notify from the upstream, as sent (hex strings in stratum wire encoding): a job before our carving. */
export type UpstreamNotify = Pick<
  StratumJob,
  'jobId' | 'prevHash' | 'coinb1' | 'coinb2' | 'merkleBranch' | 'version' | 'nbits' | 'ntime' | 'cleanJobs'
>;

/** What the upstream said about one share we forwarded. */
export type UpstreamAnswer =
  | { accepted: true }
  | { accepted: false; code: number; message: string }
  /** No answer in time, or the connection closed first: the share's fate upstream is unknown. */
  | { accepted: false; code: 'timeout' | 'closed'; message: string };

export interface UpstreamEvents {
  notify(job: UpstreamNotify): void;
  difficulty(difficulty: number): void;
  /** mining.set_extranonce: a new extranonce1 and extranonce2 size for the jobs that follow. */
  extranonce(extranonce1: string, extranonce2Size: number): void;
  /** client.reconnect, the socket closing or a protocol error: this connection is over. */
  closed(reason: string): void;
}

export interface UpstreamSession {
  extranonce1: string;
  extranonce2Size: number;
  /** BIP310: the bits the upstream lets us roll (0: none). */
  versionMask: number;
}

/** Upstream lines are bounded too: a broken or hostile upstream cannot grow our memory. */
const MAX_LINE_BYTES = 64 * 1024;
/** What we ask to roll (BIP320's bits); the upstream answers what it allows. */
const VERSION_MASK = 0x1fffe000;
const HEX = /^[0-9a-f]*$/;
/** An extranonce1 longer than this is no pool's (4 to 8 bytes in practice): refused with the upstream. */
const MAX_EXTRANONCE1_BYTES = 16;
/** Merkle branch entries of a job: 2^32 transactions is far beyond any block; more is a broken upstream. */
const MAX_BRANCH_ENTRIES = 32;

/**
 * One Stratum V1 client connection to an upstream pool: subscribe (resuming the session id it gave last time, if
 * any), configure (BIP310 version rolling), extranonce.subscribe, authorize; then its notifications as events and
 * our shares as `submit`, each answered by request id (or timed out). Requests are JSON-RPC lines with numeric ids.
 */
export class UpstreamConnection {
  private readonly pending = new Map<
    number,
    { resolve: (v: { result: unknown; error: unknown }) => void; timer: NodeJS.Timeout }
  >();
  private nextId = 1;
  private done = false;
  private closeReason = '';
  private events: UpstreamEvents | undefined;
  /** Notifications that came before `listen` (the upstream sends work right after authorize). */
  private early: Array<(e: UpstreamEvents) => void> = [];
  session: UpstreamSession = { extranonce1: '', extranonce2Size: 0, versionMask: 0 };

  private constructor(
    private readonly socket: Socket,
    readonly endpoint: UpstreamEndpoint,
    private readonly timeoutMs: number,
  ) {
    const framer = new LineFramer(MAX_LINE_BYTES);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const line of framer.push(chunk)) this.onLine(line);
      } catch (err) {
        this.close(`bad line from upstream: ${(err as Error).message}`);
      }
    });
    socket.on('error', (err) => this.close(err.message));
    socket.on('close', () => this.close('connection closed'));
  }

  /** The URL without credentials, for logs and health. */
  get name(): string {
    return this.endpoint.url;
  }

  /**
   * Connects, subscribes and authorizes. Rejects (the socket closed) when the upstream cannot be reached, does not
   * answer in time, or refuses the subscription or the authorization.
   */
  static async open(
    endpoint: UpstreamEndpoint,
    o: { timeoutMs: number; resumeSessionId?: string; userAgent?: string },
  ): Promise<UpstreamConnection> {
    const { host, port, tls } = parseStratumUrl(endpoint.url);
    const ca = tls && endpoint.caFile !== undefined ? await readCa(endpoint.caFile) : undefined;
    const socket = await new Promise<Socket>((resolve, reject) => {
      // TLS: the certificate is verified against the system's CAs, or only the pinned `caFile` when given; never
      // accepted unverified (rejectUnauthorized stays Node's default, true). SNI only for a host name (RFC 6066).
      const s = tls
        ? tlsConnect({ host, port, ...(isIP(host) === 0 && { servername: host }), ...(ca && { ca }) })
        : tcpConnect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`connect timed out after ${o.timeoutMs} ms`));
      }, o.timeoutMs);
      s.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    socket.setKeepAlive(true, 30_000);
    socket.setNoDelay(true);
    const c = new UpstreamConnection(socket, endpoint, o.timeoutMs);
    try {
      await c.handshake(o.resumeSessionId, o.userAgent ?? 'edgepool-proxy/1');
      // A line after authorize's answer in the same read may already have closed it (a hostile upstream's).
      if (c.closed) throw new Error(c.closeReason);
      return c;
    } catch (err) {
      c.close((err as Error).message);
      throw err;
    }
  }

  /** From now on the connection's notifications go to `events` (those already received first). */
  listen(events: UpstreamEvents): void {
    this.events = events;
    for (const e of this.early.splice(0)) e(events);
  }

  get closed(): boolean {
    return this.done;
  }

  /** mining.submit [user, jobId, extranonce2, ntime, nonce (, versionBits)]: the upstream's verdict. */
  async submit(params: string[]): Promise<UpstreamAnswer> {
    if (this.done) return { accepted: false, code: 'closed', message: 'upstream connection closed' };
    const { result, error } = await this.request('mining.submit', [this.endpoint.user, ...params]).catch(
      (err: Error) => ({ result: undefined, error: err }),
    );
    if (error instanceof Error) {
      return { accepted: false, code: this.done ? 'closed' : 'timeout', message: error.message };
    }
    if (result === true && (error === null || error === undefined)) return { accepted: true };
    const [code, message] = readError(error);
    return { accepted: false, code, message };
  }

  close(reason = 'closed by us'): void {
    if (this.done) return;
    this.done = true;
    this.closeReason = reason;
    this.socket.destroy();
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ result: undefined, error: new Error(`upstream connection closed: ${reason}`) });
    }
    this.pending.clear();
    this.emit((e) => e.closed(reason));
  }

  private async handshake(resumeSessionId: string | undefined, agent: string): Promise<void> {
    const sub = await this.request('mining.subscribe', resumeSessionId ? [agent, resumeSessionId] : [agent]);
    if (sub.error || !Array.isArray(sub.result)) throw new Error(`subscribe refused: ${describe(sub.error)}`);
    const [, extranonce1, extranonce2Size] = sub.result as [unknown, unknown, unknown];
    if (!isExtranonce1(extranonce1)) throw new Error(`subscribe gave no hex extranonce1: ${describe(sub.result)}`);
    if (!Number.isInteger(extranonce2Size) || (extranonce2Size as number) < 1 || (extranonce2Size as number) > 32)
      throw new Error(`subscribe gave no extranonce2 size: ${describe(sub.result)}`);
    this.session = {
      extranonce1: extranonce1.toLowerCase(),
      extranonce2Size: extranonce2Size as number,
      versionMask: 0,
    };
    // BIP310: a pool that does not know mining.configure answers an error; we then roll no version bits.
    const conf = await this.request('mining.configure', [
      ['version-rolling'],
      { 'version-rolling.mask': VERSION_MASK.toString(16).padStart(8, '0'), 'version-rolling.min-bit-count': 2 },
    ]);
    const r = conf.result as Record<string, unknown> | null;
    if (r && r['version-rolling'] === true && typeof r['version-rolling.mask'] === 'string') {
      this.session.versionMask = (Number.parseInt(r['version-rolling.mask'], 16) & VERSION_MASK) >>> 0;
    }
    // Lets the upstream move our extranonce1 without a reconnect (mining.set_extranonce); refusals are harmless.
    await this.request('mining.extranonce.subscribe', []);
    const auth = await this.request('mining.authorize', [this.endpoint.user, this.endpoint.password]);
    if (auth.result !== true) throw new Error(`authorize refused: ${describe(auth.error ?? auth.result)}`);
  }

  private request(method: string, params: unknown[]): Promise<{ result: unknown; error: unknown }> {
    if (this.done) return Promise.reject(new Error('upstream connection closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} got no answer in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (v.error instanceof Error ? reject(v.error) : resolve(v)),
        timer,
      });
      this.socket.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  private onLine(line: string): void {
    let msg: { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };
    try {
      msg = JSON.parse(line);
    } catch {
      throw new Error('not JSON');
    }
    if (typeof msg !== 'object' || msg === null) throw new Error('not a JSON object');
    if (typeof msg.method === 'string') {
      this.onNotification(msg.method, Array.isArray(msg.params) ? msg.params : []);
      return;
    }
    const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
    if (!p) return; // an answer to a request that timed out
    this.pending.delete(msg.id as number);
    clearTimeout(p.timer);
    p.resolve({ result: msg.result, error: msg.error ?? null });
  }

  private onNotification(method: string, params: unknown[]): void {
    switch (method) {
      case 'mining.notify': {
        const job = readNotify(params);
        if (!job) throw new Error('malformed mining.notify');
        this.emit((e) => e.notify(job));
        return;
      }
      case 'mining.set_difficulty': {
        const d = params[0];
        if (typeof d !== 'number' || !(d > 0) || !Number.isFinite(d)) throw new Error('malformed set_difficulty');
        this.emit((e) => e.difficulty(d));
        return;
      }
      case 'mining.set_extranonce': {
        const [en1, size] = params;
        if (!isExtranonce1(en1)) throw new Error('malformed set_extranonce');
        if (!Number.isInteger(size) || (size as number) < 1 || (size as number) > 32)
          throw new Error('malformed set_extranonce');
        this.session = { ...this.session, extranonce1: en1.toLowerCase(), extranonce2Size: size as number };
        this.emit((e) => e.extranonce(en1.toLowerCase(), size as number));
        return;
      }
      case 'client.reconnect':
        // We reconnect to the configured URL (never a host the upstream names): the failover decides where.
        this.close('upstream asked to reconnect');
        return;
      default:
        return; // client.show_message and the like
    }
  }

  private emit(call: (e: UpstreamEvents) => void): void {
    if (this.events) call(this.events);
    else this.early.push(call);
  }
}

export function parseStratumUrl(url: string): { host: string; port: number; tls: boolean } {
  const m = /^stratum\+(tcp|ssl):\/\/([^/:@\s]+):(\d{1,5})$/.exec(url);
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) throw new ConfigError(`not a stratum URL: ${url}`);
  return { host: m[2]!, port, tls: m[1] === 'ssl' };
}

function readNotify(p: unknown[]): UpstreamNotify | undefined {
  const [jobId, prevHash, coinb1, coinb2, branch, version, nbits, ntime, clean] = p;
  const hex = (v: unknown, len?: number): v is string =>
    typeof v === 'string' && HEX.test(v.toLowerCase()) && v.length % 2 === 0 && (len === undefined || v.length === len);
  if (typeof jobId !== 'string' || jobId.length === 0 || jobId.length > 64) return undefined;
  if (!hex(prevHash, 64) || !hex(coinb1) || !hex(coinb2) || !hex(version, 8) || !hex(nbits, 8) || !hex(ntime, 8))
    return undefined;
  if (!Array.isArray(branch) || branch.length > MAX_BRANCH_ENTRIES || !branch.every((b) => hex(b, 64)))
    return undefined;
  return {
    jobId,
    prevHash: prevHash.toLowerCase(),
    coinb1: coinb1.toLowerCase(),
    coinb2: coinb2.toLowerCase(),
    merkleBranch: (branch as string[]).map((b) => b.toLowerCase()),
    version: version.toLowerCase(),
    nbits: nbits.toLowerCase(),
    ntime: ntime.toLowerCase(),
    cleanJobs: clean === true,
  };
}

function isExtranonce1(v: unknown): v is string {
  return (
    typeof v === 'string' && v.length % 2 === 0 && v.length <= MAX_EXTRANONCE1_BYTES * 2 && HEX.test(v.toLowerCase())
  );
}

async function readCa(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new Error(`cannot read the upstream's caFile ${path}: ${(err as Error).message}`);
  }
}

/** An upstream's error: [code, message, traceback] (Stratum V1), or an object/string some pools send. */
function readError(error: unknown): [number, string] {
  if (Array.isArray(error)) return [typeof error[0] === 'number' ? error[0] : 20, String(error[1] ?? 'rejected')];
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; message?: unknown };
    return [typeof e.code === 'number' ? e.code : 20, String(e.message ?? 'rejected')];
  }
  return [20, error === null || error === undefined ? 'rejected (false)' : String(error)];
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 200) ?? String(v);
  } catch {
    return String(v);
  }
}
