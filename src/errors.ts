/**
 * Errors that cross a boundary carry a stable `code` (for logs, tests and API clients),
 * an HTTP `status` where one applies, and a message that says what to do next.
 */
export class SlipwayError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
  }
}

/** Input from outside (a request, a payload, a CLI argument) that cannot be used. */
export class InputError extends SlipwayError {
  constructor(code: string, message: string, status = 400) {
    super(code, message, { status });
  }
}
