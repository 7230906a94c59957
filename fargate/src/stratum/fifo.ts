/** Taken slots a queue lets pile up at its front before it moves what is left to the start of a new array. */
const MAX_TAKEN = 32;

/**
 * A first-in first-out queue on an array and the index of its head. `Array#shift` is a builtin call that moves
 * every element after the first: a connection's lines and answers paid one such call a share each
 * (docs/performance.md, "the submit line's reads"). Taking here is a load and a store; the taken slots are let go
 * (their elements cleared) and, past MAX_TAKEN of them while more remain, the rest moves to a fresh array
 * (amortized: a queue that never empties still holds at most twice its size).
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  /** The newest item, if any. */
  get last(): T | undefined {
    return this.head < this.items.length ? this.items[this.items.length - 1] : undefined;
  }

  /** The oldest item, if any (left in the queue). */
  get first(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  push(item: T): void {
    const items = this.items;
    items[items.length] = item;
  }

  /** Appends `items` in order. The queue may keep the array itself as its own: its caller must not use it again. */
  pushAll(items: T[]): void {
    if (this.head === this.items.length) {
      this.items = items;
      this.head = 0;
      return;
    }
    const mine = this.items;
    for (let i = 0; i < items.length; i++) mine[mine.length] = items[i];
  }

  /** Takes the oldest item; undefined when empty. */
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > MAX_TAKEN && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Gives back an empty queue's array capacity (an array keeps that of its busiest moment). */
  compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
  }
}
