/**
 * The store's worker thread: owns the one SQLite connection and commits with group commit.
 * Every request that arrives while a commit is syncing joins the next transaction, so one
 * fsync serves all of them, and the main thread never blocks on disk.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';
import { createQueries, type Queries } from './queries.js';
import { useIncrementalVacuum } from './space.js';
import type { Reply, Request, WorkerMessage, WorkerOptions } from './protocol.js';


function open(options: WorkerOptions): Database.Database {
  const db = new Database(options.file);
  useIncrementalVacuum(db, (message) => parentPort?.postMessage({ type: 'notice', message } satisfies WorkerMessage));
  db.pragma('journal_mode = WAL');
  // A checkpoint cuts the write-ahead log back to this size: without a limit it keeps the size of
  // its largest burst (the first retention run, the one-time VACUUM) for good.
  db.pragma(`journal_size_limit = ${64 * 1024 ** 2}`);
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  // The data folder is locked to this process, so leases and claims left by an earlier run are stale.
  db.prepare('UPDATE leases SET expires_at = 0').run();
  db.prepare(`UPDATE deliveries SET claimed_by = NULL, claim_expires = NULL WHERE status = 'pending' AND claimed_by IS NOT NULL`).run();
  return db;
}

function serve(db: Database.Database, port: MessagePort): void {
  const post = (message: WorkerMessage) => port.postMessage(message);
  const queries: Queries = createQueries(db);
  const statements = Object.fromEntries(
    ['BEGIN IMMEDIATE', 'COMMIT', 'ROLLBACK', 'SAVEPOINT op', 'RELEASE op', 'ROLLBACK TO op'].map(
      (sql) => [sql, db.prepare(sql)],
    ),
  );
  const run = (sql: string) => statements[sql]?.run();
  let queue: Request[] = [];
  let scheduled = false;

  function execute(request: Request): Reply {
    run('SAVEPOINT op');
    try {
      const fn = queries[request.op as keyof Queries] as (...args: unknown[]) => unknown;
      const value = fn(...request.args);
      run('RELEASE op');
      return { id: request.id, ok: true, value };
    } catch (error) {
      run('ROLLBACK TO op');
      run('RELEASE op');
      const { message, code } = error as Error & { code?: unknown };
      return { id: request.id, ok: false, message, ...(typeof code === 'string' ? { code } : {}) };
    }
  }

  function flush(): void {
    scheduled = false;
    const batch = queue;
    queue = [];
    const closing = batch.find((request) => request.op === 'close');
    const work = batch.filter((request) => request.op !== 'close');
    let replies: Reply[];
    try {
      run('BEGIN IMMEDIATE');
      replies = work.map(execute);
      run('COMMIT');
    } catch (error) {
      if (db.inTransaction) run('ROLLBACK');
      const message = `store commit failed: ${(error as Error).message}`;
      replies = work.map((request) => ({ id: request.id, ok: false, message }));
    }
    if (closing) {
      db.close();
      replies.push({ id: closing.id, ok: true, value: null });
    }
    post({ type: 'replies', replies });
    if (closing) port.close();
  }

  port.on('message', (request: Request) => {
    queue.push(request);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
}

if (parentPort === null) throw new Error('the store worker must run in a worker thread');
try {
  serve(open(workerData as WorkerOptions), parentPort);
  parentPort.postMessage({ type: 'ready' } satisfies WorkerMessage);
} catch (error) {
  parentPort.postMessage({ type: 'fatal', message: (error as Error).message } satisfies WorkerMessage);
}
