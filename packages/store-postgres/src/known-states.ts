/**
 * What this store last saw of each session's message log (count and digest), so the next save or append of a
 * session it just read or wrote is one statement instead of a read and a write. Never trusted for correctness: every
 * write is conditional on the stored count and digest being exactly these, and a write that matches nothing falls
 * back to reading the row. Bounded; the least recently used entry goes first.
 */
export interface KnownState {
  count: number;
  digest: string;
}

export class KnownStates {
  readonly #max: number;
  readonly #states = new Map<string, KnownState>();

  constructor(max: number) {
    this.#max = max;
  }

  get(id: string): KnownState | undefined {
    const state = this.#states.get(id);
    if (state !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as recently used.
      this.#states.delete(id);
      this.#states.set(id, state);
    }
    return state;
  }

  set(id: string, state: KnownState): void {
    this.#states.delete(id);
    this.#states.set(id, state);
    if (this.#states.size > this.#max) {
      const oldest = this.#states.keys().next();
      if (!oldest.done) this.#states.delete(oldest.value);
    }
  }

  delete(id: string): void {
    this.#states.delete(id);
  }
}
