import { compressPayload } from '../payloads.js';
import type { InsertOutcome, NewDelivery } from '../store.js';
import type { Database } from './database.js';
import { insertDeliveries, type CompressedDelivery } from './inbox-queries.js';

interface Waiting {
  delivery: CompressedDelivery;
  resolve: (outcome: InsertOutcome) => void;
  reject: (error: Error) => void;
}

/** Deliveries one transaction takes at most; more wait for the next. */
const MAX_BATCH = 500;

/**
 * Group commit for ingest: deliveries that arrive while a commit is in flight wait and go into
 * the next transaction together, one multi-row insert, so one commit (and one WAL flush) serves
 * them all. Each resolves only once its transaction committed.
 */
export class GroupCommit {
  private queue: Waiting[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly db: Database,
    /** How long one commit may take before its deliveries are refused (503): GitHub gives up after 10 s. */
    private readonly timeoutMs: number,
  ) {}

  insert({ payload, ...delivery }: NewDelivery): Promise<InsertOutcome> {
    const body = compressPayload(payload);
    return new Promise((resolve, reject) => {
      this.queue.push({ delivery: { ...delivery, body }, resolve, reject });
      this.flushing ??= this.drain();
    });
  }

  /** Resolves once every delivery handed over so far is committed (or failed). */
  async settled(): Promise<void> {
    await this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        // One statement, so it commits on its own: no round trips for BEGIN and COMMIT.
        const inserted = await this.db.statement((sql) => insertDeliveries(sql, batch.map((waiting) => waiting.delivery)), this.timeoutMs);
        // A second delivery of the same id in one batch is a duplicate of the first.
        for (const waiting of batch) {
          waiting.resolve(inserted.delete(waiting.delivery.id) ? 'inserted' : 'duplicate');
        }
      } catch (error) {
        for (const waiting of batch) waiting.reject(error as Error);
      }
    }
    this.flushing = null;
  }
}
