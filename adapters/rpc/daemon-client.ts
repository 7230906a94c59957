import { performance } from 'node:perf_hooks';
import { readBlockHead } from '../../core/auxpow/block.js';
import { sha256d } from '../../core/chain/hash.js';
import { readTransaction } from '../../core/chain/transaction.js';
import { DaemonError } from '../../core/errors.js';
import { formatAmount, parseAmount } from '../../core/ledger/payouts.js';
import type {
  AddressValidation,
  BlockchainInfo,
  MiningInfo,
  NetworkInfo,
  RawBlockTemplate,
  SoftFork,
  Unspent,
  WalletTransaction,
} from './daemon-types.js';
import { describeFetchError, jsonRpcResult } from './json-rpc.js';
import { KeptConnection } from './kept-connection.js';

export type * from './daemon-types.js';

export interface DaemonEndpoint {
  url: string;
  user: string;
  password: string;
  /** Wallet name for wallet RPC (`/wallet/<name>`). */
  wallet?: string;
}

export interface CallOptions {
  /** Per-call timeout; a long poll needs minutes. */
  timeoutMs?: number;
  /** Cancels the call (a long poll pending when the pool stops). */
  signal?: AbortSignal;
  /**
   * Over the client's submit connection: submitblock, and the health check's getnetworkinfo that keeps it open.
   * Never a getblocktemplate (long poll or not): a block found meanwhile would wait behind it.
   */
  keepAlive?: boolean;
}

/**
 * How long the kept-alive connection may sit idle before we close it: under bitcoind's and litecoind's
 * `-rpcservertimeout` (30 s), so we never send on a socket the daemon is closing, and over the pool's 5 s health
 * check, which keeps it open.
 */
const KEEP_ALIVE_IDLE_MS = 15_000;

/** A GBT long poll returns when the template changes (new tip or new transactions): minutes on a quiet chain. */
export const LONG_POLL_TIMEOUT_MS = 10 * 60_000;

/**
 * A Bitcoin-family daemon over JSON-RPC 1.0 (HTTP POST, basic auth). Every failure — connection refused, timeout,
 * HTTP status, non-JSON answer, an RPC error object — becomes a DaemonError naming the method and the daemon
 * (never the password). Amounts going in are bigint base units (or decimal strings); amounts coming out of the
 * typed helpers that the pool does arithmetic on are bigint too.
 */
export class DaemonClient {
  private readonly auth: string;
  private readonly endpoint: string;
  private id = 0;
  /** The submit connection: its sockets open on the first keepAlive call; close() closes them. */
  private kept: KeptConnection | undefined;
  /** A call other than submitblock (the health check) is out on the submit connection. */
  private checkOnSubmitConnection = false;
  /** The daemon has no getnetworkinfo (btcd): getNetworkInfo asks getinfo. */
  private legacyInfo = false;
  /** The daemon takes getblock's verbosity as a boolean only (Dogecoin Core before 1.14.7): see getBlock. */
  private booleanVerbose = false;

  constructor(
    readonly config: DaemonEndpoint,
    private readonly defaultTimeoutMs = 10_000,
  ) {
    const base = new URL(config.url);
    // fetch refuses URLs with credentials in them; the credentials travel in the Authorization header only.
    base.username = '';
    base.password = '';
    const root = base.toString().replace(/\/+$/, '');
    this.endpoint = config.wallet ? `${root}/wallet/${encodeURIComponent(config.wallet)}` : root;
    this.auth = `Basic ${Buffer.from(`${config.user}:${config.password}`).toString('base64')}`;
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
    return this.send<T>(method, JSON.stringify({ jsonrpc: '1.0', id: ++this.id, method, params }), opts);
  }

  /** `call` with its JSON-RPC body already serialized: one string, or pieces sent one after the other. */
  private async send<T>(method: string, body: string | readonly string[], opts: CallOptions): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const fail = (why: string, rpcCode?: number, cause?: unknown): DaemonError =>
      new DaemonError(this.redact(`${method} on ${this.name}: ${why}`), rpcCode, { cause });
    // At most one other call at a time shares the submit connection (a daemon that hangs health checks, one every
    // 5 s with a 10 s timeout, must not take every socket a found block could use); the next gets a connection of
    // its own.
    const check = method !== 'submitblock' && opts.keepAlive === true && !this.checkOnSubmitConnection;
    const kept = method === 'submitblock' || check;
    let res: { status: number; text: string };
    try {
      if (check) this.checkOnSubmitConnection = true;
      // The kept path times itself with a timer: an AbortSignal on the request costs a found block ~0.1 ms
      // (AbortSignal.timeout, its listeners; measured by bench/submit.ts).
      res = kept
        ? await this.keptConnection().post(body, performance.now() + timeoutMs, opts.signal)
        : await this.postOnce(joined(body), timeoutSignal(timeoutMs, opts.signal));
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      throw fail(timedOut ? `timed out after ${timeoutMs} ms` : describeFetchError(err), undefined, err);
    } finally {
      if (check) this.checkOnSubmitConnection = false;
    }
    // bitcoind answers RPC errors with HTTP 500 (404 for an unknown method) and a JSON body; 401/403 have no body.
    return jsonRpcResult<T>(res.status, res.text, fail, (status) =>
      status === 401 ? ' (wrong RPC user or password)' : status === 403 ? ' (rpcallowip refuses us)' : '',
    );
  }

  /** One request on a connection of its own, closed after the answer. */
  private async postOnce(body: string, signal: AbortSignal): Promise<{ status: number; text: string }> {
    const res = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        authorization: this.auth,
        'content-type': 'application/json',
        // litecoind/bitcoind (libevent) delay their shutdown until idle keep-alive connections close — 4 s with
        // undici's defaults. One connection per call costs nothing next to a getblocktemplate.
        connection: 'close',
      },
      body,
      signal,
    });
    return { status: res.status, text: await res.text() };
  }

  /**
   * The client's kept-alive connection: a found block must not wait for a TCP handshake and a new HTTP client, nor for
   * node:http's socket assignment on a later tick (the request is written by hand, in the caller's turn). A socket
   * the daemon closed while it sat idle fails the first write; that request is sent again once on a new connection
   * (submitblock is idempotent: at worst "duplicate").
   */
  private keptConnection(): KeptConnection {
    this.kept ??= new KeptConnection(this.endpoint, {
      authorization: this.auth,
      idleMs: KEEP_ALIVE_IDLE_MS,
      // A submitblock arriving while the health check's getnetworkinfo is out takes another socket, never waits.
      maxSockets: 4,
    });
    return this.kept;
  }

  /** Closes the kept-alive connection (a daemon delays its shutdown while one is open). Later calls reopen it. */
  close(): void {
    this.kept?.close();
  }

  /**
   * BIP22/BIP23 getblocktemplate. Litecoin needs rules ["mweb","segwit"]. With a longpollid the daemon answers when
   * the template changes, so the call gets LONG_POLL_TIMEOUT_MS unless told otherwise.
   */
  async getBlockTemplate(
    rules: readonly string[],
    longpollid?: string,
    opts: CallOptions = {},
  ): Promise<RawBlockTemplate> {
    const request: Record<string, unknown> = { rules: [...rules] };
    if (longpollid) request.longpollid = longpollid;
    const timeoutMs = opts.timeoutMs ?? (longpollid ? LONG_POLL_TIMEOUT_MS : undefined);
    const template = await this.call<RawBlockTemplate>('getblocktemplate', [request], { ...opts, timeoutMs });
    // BIP141's commitment output is OP_RETURN ‖ push 36 ‖ aa21a9ed ‖ the 32-byte commitment: Core answers that whole
    // script, btcd only the 32 bytes (a coinbase paying those as a script has no commitment: btcd rejects the block).
    const commitment = template?.default_witness_commitment;
    if (typeof commitment === 'string' && commitment.length === 64) {
      template.default_witness_commitment = `${WITNESS_COMMITMENT_PREFIX}${commitment}`;
    }
    return template;
  }

  /**
   * BIP22: null when accepted, otherwise the reason ("duplicate", "inconclusive", "high-hash", ...). btcd answers
   * "rejected: <reason>" instead, and "rejected: already have block <hash>" for a block it has: read as BIP22.
   */
  async submitBlock(block: string | readonly string[]): Promise<string | null> {
    const opts = { timeoutMs: 30_000 };
    if (typeof block === 'string') return bip22Answer(await this.call<string | null>('submitblock', [block], opts));
    // The block's hex pieces (blockHexParts) go into the body as they are: no joined copy of a megabytes-long string
    // and no JSON.stringify scanning it. They are hex (from Buffers, or checked when the template was parsed), so
    // nothing in them needs escaping.
    const head = `{"jsonrpc":"1.0","id":${++this.id},"method":"submitblock","params":["`;
    return bip22Answer(await this.send<string | null>('submitblock', [head, ...block, '"]}'], opts));
  }

  /**
   * Deployments under `softforks` as Core 0.19+ lists them. btcd lists its BIP9 deployments under `bip9_softforks`
   * only; Core 0.14–0.18 and Dogecoin Core 1.14 list them there too, with `softforks` an array of the BIP34/66/65
   * version checks (`{id, version, reject}`): both are answered from `bip9_softforks`.
   */
  async getBlockchainInfo(): Promise<BlockchainInfo> {
    const info = await this.call<
      Omit<BlockchainInfo, 'softforks'> & {
        softforks?: BlockchainInfo['softforks'] | unknown[];
        bip9_softforks?: Record<string, { status: string; since?: number }>;
      }
    >('getblockchaininfo');
    const { softforks: listed, bip9_softforks: bip9, ...rest } = info;
    if (listed && !Array.isArray(listed)) return { ...rest, softforks: listed };
    if (!bip9) return rest;
    const softforks: Record<string, SoftFork> = {};
    for (const [name, d] of Object.entries(bip9)) {
      const status = d.status as NonNullable<SoftFork['bip9']>['status'];
      softforks[name] = { type: 'bip9', active: status === 'active', bip9: { status, since: d.since } };
    }
    return { ...rest, softforks };
  }

  /**
   * getnetworkinfo; btcd has none ("Command unimplemented", -1), so from it the same fields come from getinfo.
   * Which one the daemon speaks is learnt on the first call.
   */
  async getNetworkInfo(opts: CallOptions = {}): Promise<NetworkInfo> {
    if (!this.legacyInfo) {
      try {
        return await this.call<NetworkInfo>('getnetworkinfo', [], opts);
      } catch (err) {
        if (!isUnimplemented(err)) throw err;
        this.legacyInfo = true;
      }
    }
    const info = await this.call<{ version: number; protocolversion: number; connections: number; errors?: string }>(
      'getinfo',
      [],
      opts,
    );
    return {
      version: info.version,
      subversion: '',
      protocolversion: info.protocolversion,
      connections: info.connections,
      networkactive: true,
      warnings: info.errors ?? '',
    };
  }

  getMiningInfo(): Promise<MiningInfo> {
    return this.call('getmininginfo');
  }

  getBlockCount(): Promise<number> {
    return this.call('getblockcount');
  }

  getBestBlockHash(): Promise<string> {
    return this.call('getbestblockhash');
  }

  getBlockHash(height: number): Promise<string> {
    return this.call('getblockhash', [height]);
  }

  /**
   * Verbosity 0: hex string; 1: header fields and txids; 2: decoded transactions in `tx`, where Core puts them (btcd
   * answers them in `rawtx`; they are moved to `tx`). A daemon that takes only Core 0.14's boolean `verbose`
   * (Dogecoin Core 1.14.0–1.14.6: a number is "JSON value is not a boolean as expected") is asked `true`/`false`
   * from then on, and verbosity 2 is built from both answers: the transactions decoded from the block's bytes, each
   * output with its script and its value as an exact decimal string.
   */
  async getBlock<T = Record<string, unknown>>(hash: string, verbosity: 0 | 1 | 2 = 1): Promise<T> {
    if (!this.booleanVerbose) {
      try {
        return await this.getBlockAt<T>(hash, verbosity);
      } catch (err) {
        if (!(err instanceof DaemonError && err.rpcCode === -1 && /not a boolean/.test(err.message))) throw err;
        this.booleanVerbose = true;
      }
    }
    if (verbosity !== 2) return this.call<T>('getblock', [hash, verbosity === 1]);
    const [block, hex] = await Promise.all([
      this.call<Record<string, unknown>>('getblock', [hash, true]),
      this.call<string>('getblock', [hash, false]),
    ]);
    return { ...block, tx: decodeBlockTransactions(Buffer.from(hex, 'hex')) } as T;
  }

  private async getBlockAt<T>(hash: string, verbosity: 0 | 1 | 2): Promise<T> {
    let block: T;
    try {
      block = await this.call<T>('getblock', [hash, verbosity]);
    } catch (err) {
      // btcd has the block but cannot describe one outside its main chain (-32603 "Failed to obtain block height:
      // block … is not in the main chain"), where Core answers it with confirmations -1: that verdict is what callers
      // read (confirmation orphans the block), so it is answered so, without transactions.
      if (!(err instanceof DaemonError && err.rpcCode === -32603 && /not in the main chain/.test(err.message)))
        throw err;
      return { hash, confirmations: -1, tx: [] } as T;
    }
    if (verbosity !== 2 || typeof block !== 'object' || block === null || !('rawtx' in block)) return block;
    const { rawtx, ...rest } = block as Record<string, unknown>;
    return { ...rest, tx: rawtx } as T;
  }

  /** Regtest mining; a few hundred blocks take a second or two. */
  generateToAddress(n: number, address: string): Promise<string[]> {
    return this.call('generatetoaddress', [n, address], { timeoutMs: 120_000 });
  }

  /** Wallet RPC. `type`: legacy, p2sh-segwit, bech32, or (Litecoin) mweb. */
  getNewAddress(label = '', type?: string): Promise<string> {
    return this.call('getnewaddress', type ? [label, type] : [label]);
  }

  validateAddress(address: string): Promise<AddressValidation> {
    return this.call('validateaddress', [address]);
  }

  /** Wallet RPC. `amount`: bigint base units, or a decimal string / number of coins. Returns the txid. */
  sendToAddress(address: string, amount: bigint | string | number): Promise<string> {
    const coins = typeof amount === 'bigint' ? formatAmount(amount) : amount;
    return this.call('sendtoaddress', [address, coins], { timeoutMs: 60_000 });
  }

  /** Wallet RPC: the trusted balance in base units. */
  async getBalance(minConf = 0): Promise<bigint> {
    return parseAmount(await this.call<number>('getbalance', ['*', minConf]));
  }

  /** Wallet RPC; each entry also carries its amount in base units (`units`). */
  async listUnspent(minConf = 1, maxConf = 9_999_999, addresses: string[] = []): Promise<Unspent[]> {
    const raw = await this.call<Omit<Unspent, 'units'>[]>('listunspent', [minConf, maxConf, addresses]);
    return raw.map((u) => ({ ...u, units: parseAmount(u.amount) }));
  }

  /** Wallet RPC for a transaction the wallet knows. */
  getTransaction(txid: string): Promise<WalletTransaction> {
    return this.call('gettransaction', [txid, true]);
  }

  /**
   * Our own messages never include the password, but a daemon or proxy might echo it back in an error text. A very
   * short password is not redacted: it would mangle every message that happens to contain those letters.
   */
  private redact(message: string): string {
    const { password } = this.config;
    return password.length >= 6 ? message.split(password).join('***') : message;
  }
}

/** A block's transactions as verbosity 2 lists them, from its bytes (a merge-mined block's CAuxPow skipped). */
function decodeBlockTransactions(block: Buffer): DecodedTx[] {
  const { txCount, txsAt } = readBlockHead(block);
  const txs: DecodedTx[] = [];
  for (let i = 0, at = txsAt; i < txCount; i++) {
    const tx = readTransaction(block, at);
    txs.push({
      txid: Buffer.from(sha256d(tx.stripped)).reverse().toString('hex'),
      vout: tx.outputs.map((o, n) => ({
        value: formatAmount(o.value),
        n,
        scriptPubKey: { hex: o.script.toString('hex') },
      })),
    });
    at = tx.end;
  }
  return txs;
}

interface DecodedTx {
  txid: string;
  vout: { value: string; n: number; scriptPubKey: { hex: string } }[];
}

/** OP_RETURN, a 36-byte push, and BIP141's commitment header aa21a9ed: the witness commitment output before the hash. */
const WITNESS_COMMITMENT_PREFIX = '6a24aa21a9ed';

/** btcd's "rejected: <reason>" as a BIP22 answer: the bare reason, "duplicate" for a block it already has. */
function bip22Answer(answer: string | null): string | null {
  if (answer === null || !answer.startsWith('rejected: ')) return answer;
  const reason = answer.slice('rejected: '.length);
  return /^already have block\b/.test(reason) ? 'duplicate' : reason;
}

/** A method the daemon does not have: btcd's -1 "Command unimplemented", JSON-RPC's -32601 "Method not found". */
function isUnimplemented(err: unknown): boolean {
  if (!(err instanceof DaemonError)) return false;
  return err.rpcCode === -32601 || (err.rpcCode === -1 && /unimplemented/i.test(err.message));
}

/** A signal that aborts with a TimeoutError after `ms`, or when `signal` aborts. */
function timeoutSignal(ms: number, signal: AbortSignal | undefined): AbortSignal {
  return signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);
}

function joined(body: string | readonly string[]): string {
  return typeof body === 'string' ? body : body.join('');
}
