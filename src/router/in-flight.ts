/**
 * Proxied HTTP requests in flight, per backend port, so a deployment can wait for the old
 * process's requests to finish before stopping it.
 */
export class InFlight {
  readonly #counts = new Map<number, number>();
  readonly #waiters = new Map<number, Set<() => void>>();

  /** A request to `port` started. */
  begin(port: number): void {
    this.#counts.set(port, (this.#counts.get(port) ?? 0) + 1);
  }

  /** A request to `port` finished (or its client or backend went away); once per `begin`. */
  end(port: number): void {
    const count = (this.#counts.get(port) ?? 0) - 1;
    if (count > 0) {
      this.#counts.set(port, count);
      return;
    }
    this.#counts.delete(port);
    const waiters = this.#waiters.get(port);
    this.#waiters.delete(port);
    for (const wake of waiters ?? []) wake();
  }

  /** True once nothing to `port` is in flight; false if that takes longer than `timeoutMs`. */
  drained(port: number, timeoutMs: number): Promise<boolean> {
    if (!this.#counts.has(port)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(port) ?? new Set<() => void>();
      this.#waiters.set(port, waiters);
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waiters.delete(wake);
        if (waiters.size === 0 && this.#waiters.get(port) === waiters) this.#waiters.delete(port);
        resolve(false);
      }, timeoutMs);
      waiters.add(wake);
    });
  }
}
