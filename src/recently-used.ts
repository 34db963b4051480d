/**
 * A map that keeps its `size` most recently used entries: `get` makes one the newest, and adding
 * past `size` forgets the oldest. A `Map` iterates in insertion order, so its first key is the one
 * to drop. For the per-event renders a fan-out reuses thousands of times in a row.
 */
export class RecentlyUsed<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly size: number) {}

  /** The entry for `key`, made by `make` (and kept) when there is none. */
  get(key: K, make: () => V): V {
    if (this.entries.has(key)) {
      const found = this.entries.get(key) as V;
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    const value = make();
    if (this.entries.size >= this.size) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
    return value;
  }

  get count(): number {
    return this.entries.size;
  }
}
