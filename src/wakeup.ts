import { setTimeout as sleep } from 'node:timers/promises';

/** A loop's sleep that a nudge ends early; a nudge while awake is remembered. */
export class Wakeup {
  private wake: (() => void) | null = null;
  private nudged = false;

  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Takes the pending nudge, if any (call at the top of a pass). */
  take(): boolean {
    const was = this.nudged;
    this.nudged = false;
    return was;
  }

  /** Sleeps up to `ms`, or not at all when nudged since the last `take`. */
  async sleep(ms: number): Promise<void> {
    if (this.nudged) return;
    const controller = new AbortController();
    this.wake = () => controller.abort();
    await sleep(ms, undefined, { signal: controller.signal }).catch(() => undefined);
    this.wake = null;
  }
}
