/**
 * A map whose entries carry the time they were last set, forgotten oldest first once they are
 * too old or too many. What a flood fills (transaction identities, refusals, callers) lives in
 * one of these, and is pruned on every request the flood brings.
 *
 * A plain `Map` pruned by iterating from its front costs a flood dearly: V8 leaves a deleted
 * entry as a hole until the table is rebuilt, and every new iteration walks the holes again, so
 * each prune of a map kept at its capacity steps over thousands of them. Here the order of
 * arrival is kept in an array read from a moving head, which is cut only when half of it is
 * behind the head: a prune costs what it removes.
 */
export class RecentMap<K, V> {
  private readonly entries = new Map<K, { value: V; at: number; queuedAt: number; slot: number }>();
  /** Keys in order of arrival, each with the number of its slot (a key deleted and set again
   * leaves its old slot behind, told apart by the number). */
  private order: K[] = [];
  private slots: number[] = [];
  private head = 0;
  private nextSlot = 0;

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** When `key` was last set, if it is held. */
  setAt(key: K): number | undefined {
    return this.entries.get(key)?.at;
  }

  /** Sets `key` as of `at`; an entry set again counts as new from `at` for {@link forget}. */
  set(key: K, value: V, at: number): void {
    const entry = this.entries.get(key);
    if (entry) {
      entry.value = value;
      entry.at = at;
      return;
    }
    this.entries.set(key, { value, at, queuedAt: at, slot: this.queue(key) });
  }

  private queue(key: K): number {
    this.order.push(key);
    this.slots.push(this.nextSlot);
    return this.nextSlot++;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** Every entry held, oldest set first only as far as the order of first arrival goes. */
  *[Symbol.iterator](): IterableIterator<[K, V]> {
    for (const [key, entry] of this.entries) yield [key, entry.value];
  }

  /**
   * Forgets entries set before `before`, and the oldest beyond `capacity`. An entry set again
   * since it arrived is moved behind the others rather than forgotten by its first arrival.
   */
  forget(before: number, capacity = Infinity, onForget?: (key: K, value: V) => void): void {
    while (this.head < this.order.length) {
      const key = this.order[this.head]!;
      const entry = this.entries.get(key);
      if (entry === undefined || entry.slot !== this.slots[this.head]) {
        this.head++;
        continue;
      }
      if (entry.at !== entry.queuedAt && entry.at >= before) {
        // Set again since it arrived: it is as young as its last setting says.
        this.head++;
        entry.queuedAt = entry.at;
        entry.slot = this.queue(key);
        continue;
      }
      if (entry.at >= before && this.entries.size <= capacity) break;
      this.head++;
      this.entries.delete(key);
      onForget?.(key, entry.value);
    }
    if (this.head > 64 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.slots = this.slots.slice(this.head);
      this.head = 0;
    }
  }
}
