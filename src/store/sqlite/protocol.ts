import type { QueryName } from './queries.js';

/** Messages between SqliteStore (main thread) and its worker thread. */
export interface Request {
  id: number;
  op: QueryName | 'close';
  args: unknown[];
}

export type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; message: string; code?: string };

export type WorkerMessage =
  | { type: 'ready' }
  /** Said while opening, before a long step (the one-time VACUUM). */
  | { type: 'notice'; message: string }
  | { type: 'fatal'; message: string }
  | { type: 'replies'; replies: Reply[] };

export interface WorkerOptions {
  file: string;
}
