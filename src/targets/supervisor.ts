import { setTimeout as sleep } from 'node:timers/promises';
import { LaunchError } from './release-errors.js';
import type { RuntimeReport } from './target.js';

/** How a release ended; both null when it was not watched from the start (adopted) and only seen gone. */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

/** One run of an environment's release: a process group (process target) or a container (docker target). */
export interface Supervised {
  /** When it started (ms since the epoch): a run long enough forgives earlier crashes. */
  readonly startedAt: number;
  /** Resolves once, when it ends. */
  readonly exited: Promise<ExitInfo>;
  /** Stops it (SIGTERM, SIGKILL after `graceMs`); resolves when it is gone. */
  stop(graceMs: number): Promise<void>;
}

/** How crashed releases are restarted: after `baseMs`, doubling up to `maxMs`; a run of `stableMs` forgives earlier crashes. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
  stableMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 1000, maxMs: 30_000, stableMs: 60_000 };


/** Crashes in a row (without a long enough run in between) after which restarting stops. */
const MAX_CRASHES = 5;

export interface SupervisorHooks<R extends Supervised> {
  /** Starts the environment's release again (same worktree, same port); resolves once it is healthy. */
  relaunch(signal: AbortSignal): Promise<R>;
  /** A restarted release is healthy (the route may point to it). */
  healthy(release: R, restarts: number): Promise<void>;
  /** The process ended unexpectedly (`restarting`), or restarting stopped (`crashed`). */
  changed(state: Exclude<RuntimeReport['state'], 'running'>, restarts: number, exit: ExitInfo, reason: string | null): Promise<void>;
  /** Supervising ended on an error no hook handled. */
  failed(error: unknown): void;
}

const UNKNOWN_EXIT: ExitInfo = { code: null, signal: null };

/**
 * Watches the release of one environment (a process group or a container) and starts it again when it ends unexpectedly,
 * after a pause that doubles with each crash (`baseMs` … `maxMs`). A run of `stableMs`
 * forgives earlier crashes; after MAX_CRASHES without one, it stops trying.
 */
export class Supervisor<R extends Supervised> {
  private readonly controller = new AbortController();
  private readonly aborted: Promise<null>;
  /** The healthy release it watches; null while restarting or after giving up. */
  private current: R | null = null;
  private readonly done: Promise<void>;

  /**
   * Watches `release`, already running and healthy; with null, starts the release right
   * away (it ended while nobody watched).
   */
  constructor(
    release: R | null,
    private readonly hooks: SupervisorHooks<R>,
    private readonly backoff: Backoff,
    private readonly graceMs: number,
    private restarts: number,
  ) {
    this.aborted = new Promise((resolve) => this.controller.signal.addEventListener('abort', () => resolve(null), { once: true }));
    this.done = this.run(release).catch((error: unknown) => hooks.failed(error));
  }

  /** Whether a healthy release runs. */
  get running(): boolean {
    return this.current !== null;
  }

  /** Stops supervising (without stopping the process) and returns the release still running, if any. */
  async detach(): Promise<R | null> {
    this.controller.abort();
    await this.done;
    const release = this.current;
    this.current = null;
    return release;
  }

  private async run(first: R | null): Promise<void> {
    const { signal } = this.controller;
    let release = first;
    let exit = UNKNOWN_EXIT;
    let reason: string | null = 'it was not running';
    let crashes = 0;
    let immediate = first === null;
    for (;;) {
      let ranFor = 0;
      if (release !== null) {
        this.current = release;
        const ended = await Promise.race([release.exited, this.aborted]);
        if (ended === null) return;
        this.current = null;
        exit = ended;
        reason = null;
        ranFor = Date.now() - release.startedAt;
        // What the process left running in its group would hold the port.
        await release.stop(this.graceMs);
      }
      // Starting a release that was not running when slipway started (slipway stopped it, or
      // was stopped) is not a crash: it counts no restart. A launch that fails then does.
      if (!immediate) {
        if (ranFor >= this.backoff.stableMs) crashes = 0;
        crashes += 1;
        if (crashes >= MAX_CRASHES) {
          await this.hooks.changed('crashed', this.restarts, exit, reason);
          return;
        }
        this.restarts += 1;
        await this.hooks.changed('restarting', this.restarts, exit, reason);
      }
      const pause = immediate ? 0 : Math.min(this.backoff.baseMs * 2 ** (crashes - 1), this.backoff.maxMs);
      immediate = false;
      if (!(await sleep(pause, true, { signal }).catch(() => false))) return;
      try {
        release = await this.hooks.relaunch(signal);
      } catch (error) {
        if (signal.aborted) return;
        release = null;
        exit = error instanceof LaunchError ? error.exit : UNKNOWN_EXIT;
        reason = (error as Error).message;
        continue;
      }
      this.current = release;
      if (signal.aborted) return;
      await this.hooks.healthy(release, this.restarts);
    }
  }
}
