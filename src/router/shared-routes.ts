import type { Route } from '../domain/routes.js';
import type { Logger } from '../logger.js';
import type { RouteStore } from '../store/replicas.js';
import type { WorkStore } from '../store/store.js';
import { Wakeup } from '../wakeup.js';
import { key, type RouteTable } from './routes.js';

/** How often the routes are read again when no word comes (word can be lost: a dropped connection). */
const POLL_MS = 5_000;
/** A write the store refused is tried again this long after. */
const RETRY_MS = 1_000;

export interface SharedRoutesOptions {
  table: RouteTable;
  store: RouteStore;
  /** Where word of other replicas' changes comes from. */
  work: WorkStore;
  log: Logger;
  pollMs?: number;
}

/**
 * Keeps the router's route table and the store's in step, for replicas sharing one store: the
 * routes this replica's targets set are written to the store (in order, the latest per
 * environment; kept and tried again while the store refuses), and the routes other replicas
 * set are followed, read again when the store tells of a change and at each poll. Writes and
 * reads take turns; a route set here while a read is under way, or not yet stored, is not
 * overwritten by the read: it may predate it.
 */
export class SharedRoutes {
  private readonly wakeup = new Wakeup();
  private readonly stopped = new AbortController();
  /** Routes set here and not yet stored (null: removed), by environment. */
  private readonly unsaved = new Map<string, { app: string; env: string; route: Route | null }>();
  private stale = true;
  private loop: Promise<void> | null = null;
  private unlisten: (() => void) | null = null;

  constructor(private readonly options: SharedRoutesOptions) {}

  /** Takes the routes the store holds, then follows them and stores the table's changes. */
  async start(): Promise<void> {
    const { table, work, log } = this.options;
    table.onChange((app, env, route) => {
      this.unsaved.set(key(app, env), { app, env, route });
      this.wakeup.nudge();
    });
    this.unlisten = work.onWork((kind) => {
      if (kind !== 'routes') return;
      this.stale = true;
      this.wakeup.nudge();
    });
    await this.read().then(
      () => void (this.stale = false),
      (error: unknown) => log.warn({ error: (error as Error).message }, 'cannot read the routes other replicas set; trying again'),
    );
    this.loop = this.run();
  }

  /** Stops following; the routes this replica set and could not store yet are tried once more. */
  async stop(): Promise<void> {
    this.unlisten?.();
    this.stopped.abort();
    this.wakeup.nudge();
    await this.loop;
    await this.save().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { log, pollMs = POLL_MS } = this.options;
    let polled = Date.now();
    let failing = false;
    const failed = (error: unknown) => {
      if (!failing) log.warn({ error: (error as Error).message }, 'cannot share routes through the store; trying again');
      failing = true;
      return false;
    };
    while (!this.stopped.signal.aborted) {
      this.wakeup.take();
      // A write refused does not keep other replicas' routes from being followed, nor the other way round.
      let ok = await this.save().then(() => true, failed);
      if (this.stale || Date.now() - polled >= pollMs) {
        this.stale = false;
        polled = Date.now();
        const read = await this.read().then(() => true, failed);
        if (!read) this.stale = true;
        ok &&= read;
      }
      if (ok && failing) log.info('the store answers again: routes are shared again');
      if (ok) failing = false;
      await this.wakeup.sleep(this.unsaved.size > 0 || this.stale ? RETRY_MS : Math.max(0, polled + pollMs - Date.now()));
    }
  }

  /** Stores the routes set here, oldest change first; one set again meanwhile stays to be stored. */
  private async save(): Promise<void> {
    for (const [key, change] of [...this.unsaved]) {
      await this.options.store.putRoute(change.app, change.env, change.route);
      if (this.unsaved.get(key) === change) this.unsaved.delete(key);
    }
  }

  /** Follows the store's routes, except those set here and not stored yet. */
  private async read(): Promise<void> {
    const { table, store } = this.options;
    const stored = new Map((await store.listRoutes()).map((entry) => [key(entry.app, entry.env), entry]));
    for (const { app, env } of [...table.list(), ...stored.values()]) {
      if (this.unsaved.has(key(app, env))) continue;
      table.follow(app, env, stored.get(key(app, env))?.route ?? null);
    }
  }
}
