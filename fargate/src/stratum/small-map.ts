/** No entry in the inline slot. */
const NONE = Symbol('none');

/**
 * A Map for the few entries a session mostly holds: its first entry in two fields, a Map made only at the second key.
 * An idle miner's session has one worker and, until the next job, one job: as two Maps (each a Map and its hash
 * table) that was ~420 B of every idle connection. Entries keep their insertion order, as in a Map; keys are compared
 * with `===` (strings here).
 */
export class SmallMap<K, V> {
  private key: K | typeof NONE = NONE;
  private value: V | undefined = undefined;
  private map: Map<K, V> | undefined = undefined;

  get size(): number {
    if (this.map !== undefined) return this.map.size;
    return this.key === NONE ? 0 : 1;
  }

  get(key: K): V | undefined {
    if (this.map !== undefined) return this.map.get(key);
    return this.key !== NONE && this.key === key ? this.value : undefined;
  }

  has(key: K): boolean {
    if (this.map !== undefined) return this.map.has(key);
    return this.key !== NONE && this.key === key;
  }

  set(key: K, value: V): this {
    if (this.map !== undefined) this.map.set(key, value);
    else if (this.key === NONE || this.key === key) {
      this.key = key;
      this.value = value;
    } else {
      this.map = new Map([[this.key, this.value as V]]);
      this.map.set(key, value);
      this.key = NONE;
      this.value = undefined;
    }
    return this;
  }

  delete(key: K): boolean {
    if (this.map !== undefined) return this.map.delete(key);
    if (this.key === NONE || this.key !== key) return false;
    this.key = NONE;
    this.value = undefined;
    return true;
  }

  keys(): IterableIterator<K> {
    if (this.map !== undefined) return this.map.keys();
    return (this.key === NONE ? [] : [this.key]).values();
  }

  values(): IterableIterator<V> {
    if (this.map !== undefined) return this.map.values();
    return (this.key === NONE ? [] : [this.value as V]).values();
  }
}
