import type { Duplex } from 'node:stream';
import { Arrivals } from '../../helpers/arrivals.js';

export interface Message {
  id?: unknown;
  method?: string;
  params?: unknown[];
  result?: unknown;
  error?: [number, string, unknown] | null;
}

/**
 * The miner's end of a `duplexPair()` (or any duplex): keeps every line the server sent, in arrival order, so a
 * test can assert both answers and the order of answers and notifications.
 */
export class PairClient {
  readonly messages: Message[] = [];
  ended = false;
  private buffer = '';
  private taken = 0;
  private readonly arrivals = new Arrivals(() => this.ended);

  constructor(readonly stream: Duplex) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (line.trim()) this.messages.push(JSON.parse(line) as Message);
      }
      this.arrivals.arrived();
    });
    stream.on('end', () => {
      this.ended = true;
      this.arrivals.arrived();
    });
    stream.on('close', () => {
      this.ended = true;
      this.arrivals.arrived();
    });
  }

  send(id: unknown, method: string, params: unknown[]): void {
    this.raw(`${JSON.stringify({ id, method, params })}\n`);
  }

  raw(text: string): void {
    this.stream.write(text);
  }

  /** Responses (messages without a method) in arrival order. */
  get responses(): Message[] {
    return this.messages.filter((m) => m.method === undefined);
  }

  notifications(method: string): Message[] {
    return this.messages.filter((m) => m.method === method);
  }

  /** The next response not yet taken by `response()` / `request()`. */
  async response(): Promise<Message> {
    await this.waitFor(() => this.responses.length > this.taken, 'a response');
    return this.responses[this.taken++]!;
  }

  async request(id: unknown, method: string, params: unknown[]): Promise<Message> {
    this.send(id, method, params);
    return this.response();
  }

  /** Waits until `count` notifications of `method` have arrived; returns the last of them. */
  async notification(method: string, count = 1): Promise<Message> {
    await this.waitFor(() => this.notifications(method).length >= count, `${method} #${count}`);
    return this.notifications(method)[count - 1]!;
  }

  waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    return this.arrivals.until(cond, what, timeoutMs);
  }
}
