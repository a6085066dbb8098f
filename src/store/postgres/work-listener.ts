import type pg from 'pg';
import { CHANGE_TOPICS, WORK_KINDS, type ChangeTopic, type WorkKind } from '../store.js';

/** The channel the triggers of migrations 003 and 007 NOTIFY when work arrives; the payload is its kind. */
export const WORK_CHANNEL = 'slipway_work';
/** The channel the triggers of migration 007 NOTIFY when what the dashboard shows changed; the payload is the topic. */
export const CHANGE_CHANNEL = 'slipway_changes';

/** What each channel's payloads may be, and who hears them. */
class Channel<T extends string> {
  readonly listeners = new Set<(word: T) => void>();

  constructor(readonly words: readonly T[]) {}

  /** A payload none of the channel's words is left unheard. */
  heard(payload: string | undefined): void {
    const word = this.words.find((known) => known === payload);
    if (word !== undefined) this.tell(word);
  }

  /** Once listening (again): work may have arrived, or things changed, unheard. */
  tellEvery(): void {
    for (const word of this.words) this.tell(word);
  }

  private tell(word: T): void {
    for (const listener of this.listeners) listener(word);
  }
}

/** Reconnects back off from the first to the longest delay, doubling, jittered. */
const FIRST_RETRY_MS = 100;
const LONGEST_RETRY_MS = 30_000;

/**
 * LISTENs for word of work and of changes on a connection of its own, not one of the pool's: a
 * pooled connection goes back to the pool between units of work, and a LISTEN lasts a session.
 * Starts with the first listener; when the connection drops (the server restarted, the backend
 * was terminated, the network failed) it connects again with backoff, and tells every kind and
 * topic once it listens again, since work and changes may have come unheard meanwhile.
 */
export class WorkListener {
  private readonly channels = {
    [WORK_CHANNEL]: new Channel<WorkKind>(WORK_KINDS),
    [CHANGE_CHANNEL]: new Channel<ChangeTopic>(CHANGE_TOPICS),
  };
  private client: pg.Client | null = null;
  private started = false;
  private closed = false;
  private failures = 0;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly connect: () => pg.Client) {}

  onWork(listener: (kind: WorkKind) => void): () => void {
    return this.subscribe(this.channels[WORK_CHANNEL], listener);
  }

  onChange(listener: (topic: ChangeTopic) => void): () => void {
    return this.subscribe(this.channels[CHANGE_CHANNEL], listener);
  }

  private subscribe<T extends string>(channel: Channel<T>, listener: (word: T) => void): () => void {
    channel.listeners.add(listener);
    if (!this.started && !this.closed) {
      this.started = true;
      void this.listen();
    }
    return () => {
      channel.listeners.delete(listener);
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
      if (message.channel === WORK_CHANNEL || message.channel === CHANGE_CHANNEL) this.channels[message.channel].heard(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${WORK_CHANNEL}; LISTEN ${CHANGE_CHANNEL}`);
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
    for (const channel of Object.values(this.channels)) channel.tellEvery();
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
