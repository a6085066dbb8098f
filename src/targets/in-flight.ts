/** The deployments a target has under way, so that close() can wait for them to settle. */
export class InFlight {
  private readonly work = new Set<Promise<unknown>>();

  /** Returns `work`, tracked until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.work.add(work);
    const forget = () => this.work.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Resolves once all that is under way now has settled (however it ended). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.work]);
  }
}
