import { SlipwayError } from '../errors.js';

/** The store could not do what was asked: unreachable, locked, closed or failed to commit. */
export class StoreError extends SlipwayError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { status: 503, cause });
  }
}
