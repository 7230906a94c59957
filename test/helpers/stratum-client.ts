import { connect, type Socket } from 'node:net';
import { Arrivals } from './arrivals.js';

export interface Notification {
  method: string;
  params: unknown[];
}

export interface Response {
  id: unknown;
  result: unknown;
  error: [number, string, unknown] | null;
}

/**
 * A bare stratum client for tests: sends lines, collects responses in arrival order and notifications by method.
 * Responses are matched by order, not id, so it can reuse one id for every submit as cpuminer does.
 */
export class TestStratumClient {
  readonly notifications: Notification[] = [];
  private readonly responses: Response[] = [];
  private readonly arrivals = new Arrivals(() => this.closed);
  private buffer = '';
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl = this.buffer.indexOf('\n');
      while (nl >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (line.trim()) this.onMessage(JSON.parse(line));
        nl = this.buffer.indexOf('\n');
      }
    });
    socket.on('close', () => {
      this.closed = true;
      this.arrivals.arrived();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<TestStratumClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => resolve(new TestStratumClient(socket)));
      socket.once('error', reject);
    });
  }

  send(id: number | string | null, method: string, params: unknown[]): void {
    this.socket.write(`${JSON.stringify({ id, method, params })}\n`);
  }

  /** The next response not yet taken. */
  async response(timeoutMs = 10_000): Promise<Response> {
    await this.arrivals.until(() => this.responses.length > 0, 'a response', timeoutMs);
    return this.responses.shift()!;
  }

  async request(id: number, method: string, params: unknown[]): Promise<Response> {
    this.send(id, method, params);
    return this.response();
  }

  /** The first notification of `method` after the `after` already seen (the count of that method's notifications). */
  async nextNotification(method: string, after: number, timeoutMs = 15_000): Promise<Notification> {
    await this.arrivals.until(() => this.count(method) > after, `notification ${method} #${after + 1}`, timeoutMs);
    return this.notifications.filter((n) => n.method === method)[after]!;
  }

  count(method: string): number {
    return this.notifications.filter((n) => n.method === method).length;
  }

  close(): void {
    this.socket.destroy();
  }

  private onMessage(msg: {
    id?: unknown;
    method?: string;
    params?: unknown[];
    result?: unknown;
    error?: Response['error'];
  }) {
    if (msg.method) this.notifications.push({ method: msg.method, params: msg.params ?? [] });
    else this.responses.push({ id: msg.id, result: msg.result, error: msg.error ?? null });
    this.arrivals.arrived();
  }
}
