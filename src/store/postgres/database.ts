import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { StoreError } from '../errors.js';
import { storeError, type Target } from './connection.js';

/** The part of a pg pool or client the store runs statements through. */
interface Queryable {
  query(query: { text: string; values: unknown[]; query_timeout?: number }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** Runs statements on one connection (a transaction's) or the pool (a lone statement), with better-sqlite3's shapes of result. */
export class Sql {
  constructor(
    private readonly client: Queryable,
    /** A bound of its own on each statement, instead of the pool's. */
    private readonly timeoutMs?: number,
  ) {}

  private query(text: string, values: unknown[]) {
    return this.client.query({ text, values, ...(this.timeoutMs === undefined ? {} : { query_timeout: this.timeoutMs }) });
  }

  /** Every row. */
  async all<T>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await this.query(text, values)).rows as T[];
  }

  /** The first row, if any. */
  async get<T>(text: string, values: unknown[] = []): Promise<T | undefined> {
    return (await this.all<T>(text, values))[0];
  }

  /** The first column of the first row, if any. */
  async value<T>(text: string, values: unknown[] = []): Promise<T | undefined> {
    const row = await this.get<Record<string, T>>(text, values);
    return row === undefined ? undefined : Object.values(row)[0];
  }

  /** The first column of every row. */
  async column<T>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await this.all<Record<string, T>>(text, values)).map((row) => Object.values(row)[0] as T);
  }

  /** How many rows the statement changed. */
  async run(text: string, values: unknown[] = []): Promise<number> {
    return (await this.query(text, values)).rowCount ?? 0;
  }
}

/**
 * How a unit of work is isolated (each Store method says which it uses, and why):
 * - `serializable`: work that reads rows and decides on them (environments, deployments). Any
 *   interleaving with another replica that could break it fails with a serialization failure,
 *   and the unit runs again from the start, so no read needs a lock of its own.
 * - `atomic`: READ COMMITTED, for work whose every statement is safe alone (upserts, updates
 *   that check their condition in the WHERE, DELETE … RETURNING claims): row locks serialize it.
 * - `snapshot`: read-only, every statement sees the same snapshot.
 */
export type Isolation = 'serializable' | 'atomic' | 'snapshot';

const BEGIN: Record<Isolation, string> = {
  serializable: 'BEGIN ISOLATION LEVEL SERIALIZABLE',
  atomic: 'BEGIN ISOLATION LEVEL READ COMMITTED',
  snapshot: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
};

/** serialization_failure and deadlock_detected: the unit lost a race and may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const ATTEMPTS = 30;

/** The pool, with units of work run in transactions that retry when they lose a race, and errors as StoreErrors. */
export class Database {
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    readonly target: Target,
  ) {
    // An idle connection the server drops (restart, a terminated backend) must not crash the
    // process: the pool forgets it and the next unit connects anew.
    pool.on('error', () => undefined);
  }

  /**
   * Lone statements straight on the pool: each is atomic on its own, and one that lost a race
   * runs again. `timeoutMs` bounds each statement instead of the pool's bound.
   */
  statement<T>(work: (sql: Sql) => Promise<T>, timeoutMs?: number): Promise<T> {
    return this.retrying(() => work(new Sql(this.pool, timeoutMs)));
  }

  /** Runs `work` in one transaction; a unit that lost a race to another replica runs again. */
  transaction<T>(isolation: Isolation, work: (sql: Sql) => Promise<T>): Promise<T> {
    return this.retrying(() => this.once(isolation, work));
  }

  /** A connection of its own for as long as `work` runs (session-level locks). */
  async session<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    this.open();
    let client: pg.PoolClient;
    try {
      client = await this.checkOut();
    } catch (error) {
      throw storeError(error, this.target);
    }
    let broken: Error | undefined;
    try {
      return await work(new Sql(client));
    } catch (error) {
      broken = error as Error;
      throw storeError(error, this.target);
    } finally {
      // A failed session may hold locks or a transaction: the connection is closed, not reused.
      checkIn(client, broken);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /** Runs `attempt` until it does not fail with a lost race (nothing of a failed one was committed), with errors as StoreErrors. */
  private async retrying<T>(attempt: () => Promise<T>): Promise<T> {
    this.open();
    for (let tries = 1; ; tries += 1) {
      try {
        return await attempt();
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code !== 'string' || !RETRYABLE.has(code)) throw storeError(error, this.target);
        if (tries === ATTEMPTS) {
          throw new StoreError('store_conflict', `gave up after ${ATTEMPTS} tries: other slipway replicas kept changing the same rows`);
        }
        // Jittered and growing, so replicas that collided do not collide again in step.
        await sleep(Math.random() * Math.min(100, 2 ** tries));
      }
    }
  }

  private open(): void {
    if (this.closed) throw new StoreError('store_closed', 'the store is closed');
  }

  /**
   * A connection of the pool for a while. The pool stops listening to a connection's errors
   * while it is lent: one the server ends between two statements (a restart) would throw its
   * error at the process. Listened to here, the error reaches the next statement, which fails.
   */
  private async checkOut(): Promise<pg.PoolClient> {
    const client = await this.pool.connect();
    client.on('error', ignore);
    return client;
  }

  private async once<T>(isolation: Isolation, work: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await this.checkOut();
    let broken: Error | undefined;
    try {
      await client.query(BEGIN[isolation]);
      try {
        const result = await work(new Sql(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollback: Error) => {
          broken = rollback;
        });
        throw error;
      }
    } finally {
      checkIn(client, broken);
    }
  }
}

const ignore = (): void => undefined;

/** Gives a connection back to the pool, which closes it when `broken`. */
function checkIn(client: pg.PoolClient, broken: Error | undefined): void {
  client.off('error', ignore);
  client.release(broken);
}
