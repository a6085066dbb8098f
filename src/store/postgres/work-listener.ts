import type pg from 'pg';
import { WORK_KINDS, type WorkKind } from '../store.js';

/** The channel the triggers of migration 003 NOTIFY when work arrives; the payload is its kind. */
export const WORK_CHANNEL = 'slipway_work';

type Listener = (kind: WorkKind) => void;

const isWorkKind = (payload: string | undefined): payload is WorkKind => (WORK_KINDS as readonly (string | undefined)[]).includes(payload);

/** Reconnects back off from the first to the longest delay, doubling, jittered. */
const FIRST_RETRY_MS = 100;
const LONGEST_RETRY_MS = 30_000;

/**
 * LISTENs for word of work on a connection of its own, not one of the pool's: a pooled
 * connection goes back to the pool between units of work, and a LISTEN lasts a session. Starts
 * with the first listener; when the connection drops (the server restarted, the backend was
 * terminated, the network failed) it connects again with backoff, and tells every kind once it
 * listens again, since work may have arrived unheard meanwhile.
 */
export class WorkListener {
  private readonly listeners = new Set<Listener>();
  private client: pg.Client | null = null;
  private started = false;
  private closed = false;
  private failures = 0;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly connect: () => pg.Client) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.started && !this.closed) {
      this.started = true;
      void this.listen();
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry !== null) clearTimeout(this.retry);
    // Connected or still connecting: ending it ends either.
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private tell(kind: WorkKind): void {
    for (const listener of this.listeners) listener(kind);
  }

  private async listen(): Promise<void> {
    const client = this.connect();
    this.client = client;
    let dropped = false;
    const drop = () => {
      if (dropped) return;
      dropped = true;
      if (this.client === client) this.client = null;
      void client.end().catch(() => undefined);
      this.again();
    };
    // Without an 'error' listener a dropped connection would crash the process.
    client.on('error', drop);
    client.on('end', drop);
    client.on('notification', (message) => {
      if (message.channel === WORK_CHANNEL && isWorkKind(message.payload)) this.tell(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${WORK_CHANNEL}`);
    } catch {
      drop();
      return;
    }
    if (dropped) return;
    // Closed while it connected: close() may have ended it before it was up.
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.failures = 0;
    for (const kind of WORK_KINDS) this.tell(kind);
  }

  private again(): void {
    if (this.closed) return;
    this.failures += 1;
    const delay = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.failures - 1)) * (0.5 + Math.random() / 2);
    this.retry = setTimeout(() => {
      this.retry = null;
      if (!this.closed) void this.listen();
    }, delay);
    // Word of work is a hint: a pending reconnect keeps no process alive.
    this.retry.unref();
  }
}
