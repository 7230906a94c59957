import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConversionExchangeId } from '../../../core/conversion/config.js';
import { binanceRoutes } from './binance.js';
import { FakeBook } from './engine.js';
import { krakenRoutes } from './kraken.js';
import { okxRoutes } from './okx.js';
import {
  type FakeContext,
  type FakeDeposit,
  type FakeRequest,
  type Fault,
  type FaultKind,
  fixture,
  type Routes,
} from './routes.js';

const ROUTES: Record<ConversionExchangeId, Routes> = { binance: binanceRoutes, kraken: krakenRoutes, okx: okxRoutes };
const FEES: Record<ConversionExchangeId, number> = { binance: 10, kraken: 40, okx: 10 };

/**
 * A local HTTP server answering one exchange's REST API in that exchange's documented formats: markets and books
 * from recorded fixtures, orders filled by FakeBook. ccxt is pointed at it with `apiBaseUrl`; nothing leaves the
 * machine. Private calls must carry the exchange's API-key header.
 */
export class FakeExchangeServer {
  readonly requests: FakeRequest[] = [];
  readonly faults: Array<{ kind: FaultKind; fault: Fault }> = [];
  readonly ctx: FakeContext;
  private server: Server | undefined;
  private hanging = new Set<ServerResponse>();

  constructor(
    readonly id: ConversionExchangeId,
    book?: { bids: Array<[string, string]>; asks: Array<[string, string]> },
  ) {
    const b =
      book ?? (fixture('books.json') as Record<string, { bids: [string, string][]; asks: [string, string][] }>)[id]!;
    this.ctx = {
      book: new FakeBook(
        b.bids.map(([p, a]) => [p, a]),
        b.asks.map(([p, a]) => [p, a]),
        FEES[id],
      ),
      withdrawals: [],
      deposits: [],
      depositAddress: 'rltc1qfakeexchangedepositaddress0000000000',
      // 50 satoshis: the Kraken withdrawal fee the conversion tests configure (withdrawalFees.BTC).
      withdrawalFee: '0.0000005',
      now: () => Date.now(),
      takeFault: (kind) => {
        const i = this.faults.findIndex((f) => f.kind === kind);
        return i < 0 ? undefined : this.faults.splice(i, 1)[0]!.fault;
      },
    };
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${a.port}`;
  }

  fail(kind: FaultKind, fault: Fault): void {
    this.faults.push({ kind, fault });
  }

  /**
   * A transaction paying the deposit address, as the exchange's deposit history will list it (pending until
   * `credited`; a second call for the same txid updates it, as confirmations come in).
   */
  receive(d: { txid: string; amount: string; currency?: string; credited: boolean }): FakeDeposit {
    const known = this.ctx.deposits.find((x) => x.txid === d.txid);
    if (known) return Object.assign(known, { credited: d.credited });
    const made: FakeDeposit = {
      id: `${this.ctx.deposits.length + 1}${String(this.ctx.now()).slice(-6)}`,
      currency: d.currency ?? 'LTC',
      amount: d.amount,
      txid: d.txid,
      address: this.ctx.depositAddress,
      credited: d.credited,
      time: this.ctx.now(),
    };
    this.ctx.deposits.push(made);
    return made;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: Record<string, string> = {};
    if (raw) {
      const t = raw.trimStart();
      // OKX batch-orders takes a JSON array of orders; the pool sends one at a time.
      if (t.startsWith('[')) body = (JSON.parse(t) as Record<string, string>[])[0] ?? {};
      else if (t.startsWith('{')) body = JSON.parse(t) as Record<string, string>;
      else body = Object.fromEntries(new URLSearchParams(raw));
    }
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      body,
      headers: req.headers,
    };
    this.requests.push(request);
    const answer = ROUTES[this.id](request, this.ctx);
    if (answer === 'hang') {
      this.hanging.add(res);
      return;
    }
    const { status = 200, json } = answer ?? {
      status: 404,
      json: { error: `no fake route ${request.method} ${request.path}` },
    };
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(json));
  }
}

/** Starts the three fake exchanges. */
export async function startFakeExchanges(): Promise<Record<ConversionExchangeId, FakeExchangeServer>> {
  const [binance, kraken, okx] = await Promise.all(
    (['binance', 'kraken', 'okx'] as const).map((id) => new FakeExchangeServer(id).start()),
  );
  return { binance: binance!, kraken: kraken!, okx: okx! };
}
