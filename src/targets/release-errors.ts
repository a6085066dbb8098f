import { SlipwayError } from '../errors.js';
import type { ExitInfo } from './supervisor.js';
import { TARGET_CANCELLED, TARGET_LEASE_LOST } from './target.js';

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

export function leaseLost(): SlipwayError {
  return new SlipwayError(
    TARGET_LEASE_LOST,
    'the deployment no longer held its environment lease when its release was healthy (this replica was paused or cut off longer than engine.lease): traffic was not switched to it, and it was stopped',
  );
}
