import { SlipwayError } from '../errors.js';

/** A body's share of the budget: grows as the body arrives, given back once when it ends. */
export interface Hold {
  /** Makes the hold cover `total` bytes; throws BudgetFullError (holding what it held) when they do not fit. */
  cover(total: number): void;
  release(): void;
}

/** Too many unverified bytes held already: answered 503, and GitHub can redeliver later. */
export class BudgetFullError extends SlipwayError {
  constructor() {
    super('ingest_busy', 'slipway holds too many webhook bodies not yet verified; redeliver this one shortly', { status: 503 });
  }
}

/**
 * The bytes of webhook bodies whose signature is not checked yet, across all connections: an
 * unauthenticated client cannot make slipway hold more than `limit` bytes, however many
 * requests it opens. One per server (no module state).
 */
export class UnverifiedBudget {
  private heldBytes = 0;

  constructor(private readonly limit: number) {}

  /** Bytes held now (the `slipway_ingest_unverified_bytes` gauge). */
  get held(): number {
    return this.heldBytes;
  }

  /** A hold of `bytes` (a declared Content-Length, or 0): throws BudgetFullError when they do not fit. */
  hold(bytes: number): Hold {
    let covered = 0;
    const hold: Hold = {
      cover: (total) => {
        if (total <= covered) return;
        if (this.heldBytes + total - covered > this.limit) throw new BudgetFullError();
        this.heldBytes += total - covered;
        covered = total;
      },
      release: () => {
        this.heldBytes -= covered;
        covered = 0;
      },
    };
    hold.cover(bytes);
    return hold;
  }
}
