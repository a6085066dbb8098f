/**
 * Runs a pass over some work one at a time: a call while a pass runs shares its promise and
 * makes it pass once more when it ends (what arrived meanwhile is seen), until `stop` aborts.
 */
export class SerialPasses {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly stop: AbortSignal,
  ) {}

  run(): Promise<void> {
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.stop.aborted);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }
}
