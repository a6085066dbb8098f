/**
 * Proxied HTTP requests in flight, per backend address (`host:port`), so a deployment can wait for the old
 * process's requests to finish before stopping it.
 */
export class InFlight {
  readonly #counts = new Map<string, number>();
  readonly #waiters = new Map<string, Set<() => void>>();

  /** A request to `address` started. */
  begin(address: string): void {
    this.#counts.set(address, (this.#counts.get(address) ?? 0) + 1);
  }

  /** A request to `address` finished (or its client or backend went away); once per `begin`. */
  end(address: string): void {
    const count = (this.#counts.get(address) ?? 0) - 1;
    if (count > 0) {
      this.#counts.set(address, count);
      return;
    }
    this.#counts.delete(address);
    const waiters = this.#waiters.get(address);
    this.#waiters.delete(address);
    for (const wake of waiters ?? []) wake();
  }

  /** True once nothing to `address` is in flight; false if that takes longer than `timeoutMs`. */
  drained(address: string, timeoutMs: number): Promise<boolean> {
    if (!this.#counts.has(address)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(address) ?? new Set<() => void>();
      this.#waiters.set(address, waiters);
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waiters.delete(wake);
        if (waiters.size === 0 && this.#waiters.get(address) === waiters) this.#waiters.delete(address);
        resolve(false);
      }, timeoutMs);
      waiters.add(wake);
    });
  }
}
