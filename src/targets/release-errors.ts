import { SlipwayError } from '../errors.js';
import type { ExitInfo } from './supervisor.js';
import { TARGET_CANCELLED } from './target.js';

/** A release that did not become healthy, and how it ended. */
export class LaunchError extends SlipwayError {
  constructor(
    code: string,
    message: string,
    readonly exit: ExitInfo,
    /** It exited because another process took its port before it listened. */
    readonly portTaken = false,
  ) {
    super(code, message);
  }
}

export function cancelled(): SlipwayError {
  return new SlipwayError(TARGET_CANCELLED, 'the deployment was cancelled; what it started was stopped');
}
