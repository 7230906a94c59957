import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { FakeBook } from './engine.js';

/** What a fake exchange's routes see and answer (shared by the venues and the server, which imports the venues). */

export const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

/** What a test can make the next matching request do. */
export type Fault =
  /** Never answer (the client times out); nothing happens. */
  | 'timeout'
  /** Execute the order (or withdrawal), then never answer: the client cannot know it went through. */
  | 'fill-then-timeout'
  /** Answer with the exchange's own error for insufficient balance. */
  | 'reject';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, string>;
  headers: IncomingMessage['headers'];
}

export interface FakeAnswer {
  status?: number;
  json: unknown;
}

export type FaultKind = 'order' | 'book' | 'withdraw' | 'deposit';

export interface FakeContext {
  book: FakeBook;
  /**
   * Books of other markets by the exchange's market id (Binance's `DOGEBTC`), for a test reading several (the
   * switching port's prices); a market not here answers `book`.
   */
  books?: Record<string, FakeBook>;
  withdrawals: FakeWithdrawal[];
  /** What arrived at the deposit address, as the exchange lists it (FakeExchangeServer.receive). */
  deposits: FakeDeposit[];
  /** The pool account's deposit address (a test points it at an address of a wallet it reads). */
  depositAddress: string;
  /** What an exchange that deducts its fee from the amount withdrawn (Kraken) keeps of each withdrawal, whole units. */
  withdrawalFee: string;
  now: () => number;
  /** The fault queued for this kind of request, taken off the queue. */
  takeFault: (kind: FaultKind) => Fault | undefined;
}

export interface FakeDeposit {
  id: string;
  /** Unified currency code (LTC). */
  currency: string;
  amount: string;
  txid: string;
  address: string;
  /** false while the exchange waits for confirmations, true once the deposit is in the account. */
  credited: boolean;
  time: number;
}

export interface FakeWithdrawal {
  id: string;
  currency: string;
  /** What leaves for the address (Kraken: the amount requested less its fee). */
  amount: string;
  /** What the exchange kept, when it deducts its fee from the amount requested (Kraken). */
  fee?: string;
  address: string;
  /** The client reference (Binance withdrawOrderId, OKX clientId); Kraken takes none. */
  reference?: string;
  time: number;
}

/**
 * A withdrawal request through a fault: undefined = answer with the new withdrawal; 'hang' = never answer (after
 * recording it for 'fill-then-timeout'); 'reject' = answer with the exchange's refusal.
 */
export function fakeWithdraw(
  ctx: FakeContext,
  w: Omit<FakeWithdrawal, 'time'>,
): { made: FakeWithdrawal } | 'hang' | 'reject' {
  const fault = ctx.takeFault('withdraw');
  if (fault === 'timeout') return 'hang';
  if (fault === 'reject') return 'reject';
  const made = { ...w, time: ctx.now() };
  ctx.withdrawals.push(made);
  return fault === 'fill-then-timeout' ? 'hang' : { made };
}

export type Routes = (req: FakeRequest, ctx: FakeContext) => FakeAnswer | 'hang' | undefined;
