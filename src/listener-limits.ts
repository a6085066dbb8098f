import type { ServerOptions } from 'node:http';
import type { Server } from 'node:net';

/** One HTTP listener's cap on connections and its idle timeouts. */
export interface ListenerLimits {
  maxConnections: number;
  /** Until a request's headers have all arrived, from the connection's start or the request's: also closes a connection that sends nothing. */
  headersTimeoutMs: number;
  /** From an answer until the next request begins. */
  keepAliveTimeoutMs: number;
}

/**
 * node:http options for these timeouts. node checks the headers and request timeouts on a
 * timer, every 30 s by default, so a 20 s timeout fired after up to 50 s: checking every
 * twentieth of the timeout (50 ms to 1 s) keeps them within 5 % or a second. The keep-alive
 * timeout is a timer of its own per connection. `requestTimeoutMs` (the whole request) is
 * raised to the headers timeout when shorter, as node requires.
 */
export function timeoutOptions(limits: ListenerLimits, requestTimeoutMs: number): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: Math.max(requestTimeoutMs, limits.headersTimeoutMs),
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(limits.headersTimeoutMs / 20))),
  };
}

/**
 * Caps the connections `server` holds at once (WebSockets included): one over the cap is
 * closed as soon as it is accepted, before any byte is read, and `refused` is called.
 */
export function capConnections(server: Server, limits: ListenerLimits, refused: () => void): void {
  server.maxConnections = limits.maxConnections;
  server.on('drop', refused);
}
