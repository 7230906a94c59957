/** Where a PendingCheck's outcome goes: its verdict (a ShareCheck), or the error that kept it from one. */
export interface CheckListener<T> {
  checked(check: T): void;
  checkFailed(err: unknown): void;
}

const WAITING = 0;
const CHECKED = 1;
const FAILED = 2;

/**
 * A share's verdict that waits for something (a scrypt share: its turn's batch hash), handed to its listeners when it
 * comes, with no promise between the hash and the verdict: the stratum submit listens with the share's pending answer
 * (submit.ts), so a connection's next lines are read meanwhile and a scrypt share costs no promise or closure. It is
 * also a thenable: `await` gives the verdict (or throws the error), for callers that do not care about the cost.
 */
export class PendingCheck<T> implements PromiseLike<T> {
  private state: typeof WAITING | typeof CHECKED | typeof FAILED = WAITING;
  private value: unknown = undefined;
  /** One listener as itself (the common case: no array), more as an array. */
  private listeners: CheckListener<T> | CheckListener<T>[] | undefined = undefined;

  /** The verdict, or a promise of it (a found block's submission comes first). The first settlement counts. */
  resolve(check: T | Promise<T>): void {
    if (check instanceof Promise) {
      check.then(
        (c) => this.settle(CHECKED, c),
        (err: unknown) => this.settle(FAILED, err),
      );
    } else this.settle(CHECKED, check);
  }

  /** No verdict: `err` (a hash that failed, a submission that threw). */
  reject(err: unknown): void {
    this.settle(FAILED, err);
  }

  /** Hands the outcome to `listener`: at once when already settled, else when it settles. */
  listen(listener: CheckListener<T>): void {
    if (this.state !== WAITING) tell(listener, this.state, this.value);
    else if (this.listeners === undefined) this.listeners = listener;
    else if (Array.isArray(this.listeners)) this.listeners.push(listener);
    else this.listeners = [this.listeners, listener];
  }

  /** The verdict passed through `fn` (a port over several coins credits the source's coin), still without a promise. */
  map<U>(fn: (check: T) => U): PendingCheck<U> {
    const mapped = new MappedCheck(fn);
    this.listen(mapped);
    return mapped;
  }

  // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose, so that `await` gives the verdict
  then<A = T, B = never>(
    onChecked?: ((check: T) => A | PromiseLike<A>) | null,
    onFailed?: ((err: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    const verdict = new Promise<T>((checked, checkFailed) => this.listen({ checked, checkFailed }));
    return verdict.then(onChecked, onFailed);
  }

  private settle(state: typeof CHECKED | typeof FAILED, value: unknown): void {
    if (this.state !== WAITING) return;
    this.state = state;
    this.value = value;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners === undefined) return;
    if (!Array.isArray(listeners)) tell(listeners, state, value);
    else for (const l of listeners) tell(l, state, value);
  }
}

/** A listener that throws has failed its own work: it must not keep the verdict from the other listeners. */
function tell<T>(listener: CheckListener<T>, state: typeof CHECKED | typeof FAILED, value: unknown): void {
  try {
    if (state === CHECKED) listener.checked(value as T);
    else listener.checkFailed(value);
  } catch (err) {
    queueMicrotask(() => {
      throw err; // as a promise callback's throw would surface: an uncaught error, not a silent one
    });
  }
}

class MappedCheck<T, U> extends PendingCheck<U> implements CheckListener<T> {
  constructor(private readonly fn: (check: T) => U) {
    super();
  }

  checked(check: T): void {
    let mapped: U;
    try {
      mapped = this.fn(check);
    } catch (err) {
      this.reject(err);
      return;
    }
    this.resolve(mapped);
  }

  checkFailed(err: unknown): void {
    this.reject(err);
  }
}
