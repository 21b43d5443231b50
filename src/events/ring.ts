/**
 * A growable FIFO ring buffer. Subscriber queues use it instead of `Array.shift`, which is O(n) on large
 * arrays; capacity doubles on demand (powers of two, so wrapping is a mask) and never shrinks, so a queue
 * bounded at `n` items holds at most `2n` slots.
 */
export class Ring<T> {
  private items: Array<T | undefined>;
  private head = 0;
  private mask: number;
  /** Number of items currently held. */
  size = 0;

  /** @param initialCapacity rounded up to a power of two. @default 16 */
  constructor(initialCapacity = 16) {
    let cap = 1;
    while (cap < initialCapacity) cap *= 2;
    this.items = new Array<T | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
  }

  /** Slots currently allocated (for memory assertions). */
  get capacity(): number {
    return this.items.length;
  }

  /** Appends at the tail. */
  push(item: T): void {
    if (this.size === this.items.length) this.grow();
    this.items[(this.head + this.size) & this.mask] = item;
    this.size++;
  }

  /** Removes and returns the head, or undefined when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    // Release the reference so a drained queue does not pin old events in memory.
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return item;
  }

  /** Removes every item; capacity is kept. */
  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.size = 0;
  }

  /** Copies the items, head first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.items[(this.head + i) & this.mask] as T);
    return out;
  }

  private grow(): void {
    const old = this.items;
    const cap = old.length * 2;
    const next = new Array<T | undefined>(cap).fill(undefined);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & this.mask];
    this.items = next;
    this.head = 0;
    this.mask = cap - 1;
  }
}
