import { DaemonError } from '../../core/errors.js';

export interface DaemonEndpoint {
  url: string;
  user: string;
  password: string;
  /** Wallet name for wallet RPC (`/wallet/<name>`). */
  wallet?: string;
}

export interface CallOptions {
  /** Per-call timeout; long polls need minutes. */
  timeoutMs?: number;
}

/** What getblockchaininfo answers, the fields the pool reads. */
export interface BlockchainInfo {
  chain: string;
  blocks: number;
  bestblockhash: string;
  difficulty: number;
  initialblockdownload: boolean;
}

/**
 * A Bitcoin-family daemon over JSON-RPC 1.0 (HTTP POST, basic auth). Every failure — connection refused, timeout,
 * HTTP status, non-JSON answer, an RPC error object — becomes a DaemonError naming the method and the daemon
 * (never the password).
 */
export class DaemonClient {
  private readonly auth: string;
  private readonly endpoint: string;
  private id = 0;

  constructor(
    readonly config: DaemonEndpoint,
    private readonly defaultTimeoutMs = 10_000,
  ) {
    this.auth = `Basic ${Buffer.from(`${config.user}:${config.password}`).toString('base64')}`;
    const base = config.url.replace(/\/+$/, '');
    this.endpoint = config.wallet ? `${base}/wallet/${encodeURIComponent(config.wallet)}` : base;
  }

  /** The daemon's URL without credentials, for logs and errors. */
  get name(): string {
    const u = new URL(this.config.url);
    return `${u.protocol}//${u.host}${this.config.wallet ? ` (wallet ${this.config.wallet})` : ''}`;
  }

  /** Another client for the same daemon, bound to a wallet. */
  withWallet(wallet: string): DaemonClient {
    return new DaemonClient({ ...this.config, wallet }, this.defaultTimeoutMs);
  }

  async call<T>(method: string, params: unknown[] = [], opts: CallOptions = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const body = JSON.stringify({ jsonrpc: '1.0', id: ++this.id, method, params });
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: { authorization: this.auth, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const why = (err as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : describeFetchError(err);
      throw new DaemonError(`${method} on ${this.name}: ${why}`, undefined, { cause: err });
    }
    const text = await res.text();
    let parsed: { result?: T; error?: { code: number; message: string } | null } | undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    // bitcoind answers RPC errors with HTTP 500 and a JSON body; a 401/403/404 has no JSON body.
    if (parsed?.error) {
      throw new DaemonError(
        `${method} on ${this.name}: ${parsed.error.message} (code ${parsed.error.code})`,
        parsed.error.code,
      );
    }
    if (!res.ok) {
      const hint = res.status === 401 ? ' (wrong RPC user or password)' : '';
      throw new DaemonError(`${method} on ${this.name}: HTTP ${res.status}${hint}`);
    }
    if (!parsed || !('result' in parsed)) {
      throw new DaemonError(`${method} on ${this.name}: answer is not JSON-RPC (${text.slice(0, 80)})`);
    }
    return parsed.result as T;
  }

  getBlockTemplate(rules: readonly string[], longpollid?: string): Promise<unknown> {
    const request: Record<string, unknown> = { rules: [...rules] };
    if (longpollid) request.longpollid = longpollid;
    // A long poll is answered when the template changes: minutes, not seconds.
    return this.call('getblocktemplate', [request], longpollid ? { timeoutMs: 10 * 60_000 } : {});
  }

  submitBlock(hex: string): Promise<string | null> {
    return this.call('submitblock', [hex], { timeoutMs: 30_000 });
  }

  getBlockchainInfo(): Promise<BlockchainInfo> {
    return this.call('getblockchaininfo');
  }

  getBlockCount(): Promise<number> {
    return this.call('getblockcount');
  }

  getBlockHash(height: number): Promise<string> {
    return this.call('getblockhash', [height]);
  }

  getBlock<T = Record<string, unknown>>(hash: string, verbosity: 0 | 1 | 2 = 1): Promise<T> {
    return this.call('getblock', [hash, verbosity]);
  }

  generateToAddress(n: number, address: string): Promise<string[]> {
    return this.call('generatetoaddress', [n, address], { timeoutMs: 120_000 });
  }

  getNewAddress(label = '', type?: string): Promise<string> {
    return this.call('getnewaddress', type ? [label, type] : [label]);
  }

  sendToAddress(address: string, amount: number | string): Promise<string> {
    return this.call('sendtoaddress', [address, amount]);
  }

  getBalance(): Promise<number> {
    return this.call('getbalance');
  }
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  return cause?.message ?? (err as Error).message;
}
