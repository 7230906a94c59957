import { Fifo } from './fifo.js';
import type { StratumRequest } from './protocol.js';
/** Why the server refused or closed a connection (the `reason` label of stratum_dropped_connections_total). */
export type DropReason =
  | 'banned'
  | 'connection-limit'
  | 'line-too-long'
  | 'malformed'
  | 'slowloris'
  | 'auth-timeout'
  | 'idle'
  | 'send-queue';

/** One request's place in the answer order. */
export interface Reply {
  /** The encoded answer, once known ('' for a notification: a request with id null is never answered). */
  line: string | undefined;
  /** Work a handler triggered (sendWork's `clean` flags OR-ed): it goes out right after this answer. */
  work: boolean | undefined;
  /** Close the connection right after this answer (a ban, too many malformed lines). */
  close: { kind: DropReason; reason: string } | undefined;
  /** The request answered (its id, and a notification's null id: answered with nothing); none for an unreadable line. */
  request: StratumRequest | undefined;
}

/**
 * Answers in request order while requests finish out of order. Shares of one connection wait for durability
 * concurrently, but clients that reuse one request id for every submit (cpuminer) can only match answers to
 * requests by their order.
 */
export class ReplyQueue {
  private readonly replies = new Fifo<Reply>();

  /** Requests whose answer has not been written yet. */
  get size(): number {
    return this.replies.size;
  }

  /** The newest request not answered yet: what a handler's side effects (work, a ban) wait behind. */
  get last(): Reply | undefined {
    return this.replies.last;
  }

  /** Takes a place for a request just read (`request` undefined: a line that could not be read as one). */
  open(request?: StratumRequest): Reply {
    const reply: Reply = { line: undefined, work: undefined, close: undefined, request };
    this.replies.push(reply);
    return reply;
  }

  /** Gives back the memory of an empty queue's array (it keeps the capacity of its busiest moment otherwise). */
  compact(): void {
    this.replies.compact();
  }

  /** The oldest reply, if its answer is known (then it leaves the queue); undefined while it is still pending. */
  takeReady(): Reply | undefined {
    if (this.replies.first?.line === undefined) return undefined;
    return this.replies.shift();
  }
}
