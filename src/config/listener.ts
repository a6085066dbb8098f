import { duration } from './duration.js';
import { wholeNumber } from './fields.js';

/** More connections than any process's open-file limit allows. */
const MOST_CONNECTIONS = 1_000_000;
const TEN_MINUTES = 10 * 60_000;

/** Keys `server` and `router` share: their listener's connection cap and idle timeouts. */
export const listenerKeys = {
  /** Connections at once; left out, slipway derives it from the process's open-file limit at start. */
  maxConnections: wholeNumber(
    1,
    MOST_CONNECTIONS,
    `expected a whole number of connections from 1 to ${MOST_CONNECTIONS}; leave it out to derive it from the open-file limit`,
  ).optional(),
  /** A connection is closed when a request's headers have not all arrived this long after it opened (or the request began). */
  headersTimeout: duration({ max: TEN_MINUTES }).default(20_000),
  /** A connection is closed when no next request begins this long after an answer. */
  keepAliveTimeout: duration({ max: TEN_MINUTES }).default(5_000),
};

interface ListenerKeys {
  maxConnections?: number | undefined;
  headersTimeout: number;
  keepAliveTimeout: number;
}

/** The shared keys moved into `listener`, durations kept in milliseconds. */
export function withListener<T extends ListenerKeys>({ maxConnections, headersTimeout, keepAliveTimeout, ...rest }: T) {
  return { ...rest, listener: { maxConnections, headersTimeoutMs: headersTimeout, keepAliveTimeoutMs: keepAliveTimeout } };
}
