import pg from 'pg';
import { StoreError } from '../errors.js';

/** How PgStore connects. */
export interface PgOptions {
  /** Connections this process keeps at most (each replica has its own pool). */
  poolSize?: number;
  /** How long to wait for a connection before failing, in ms. */
  connectTimeoutMs?: number;
  /**
   * How long any statement may go unanswered before it fails as unavailable, in ms (0: no
   * bound). A server that stops answering (a network cut, a stalled disk) fails the work
   * instead of holding it forever.
   */
  queryTimeoutMs?: number;
  /**
   * The shorter bound of what answers a caller who waits: storing a webhook and readiness.
   * With the connect timeout it stays under GitHub's 10 s: a 503 in time lets GitHub record
   * the failure, and recovery has it redelivered.
   */
  answerTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;
export const DEFAULT_ANSWER_TIMEOUT_MS = 4_000;

/** The server's address as errors and logs may show it: the URL with its password (and query) left out. */
export interface Target {
  /** `postgres://user:***@host:port/db` */
  shown: string;
  /** Removed from every message that reaches an error (as written and decoded); none when the URL has none. */
  secrets: string[];
}

/** Error codes PostgreSQL and Node give when the server cannot be reached or went away. */
const UNAVAILABLE_NODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
const UNAVAILABLE_SQLSTATE = /^(08|28|3D|53|57P)/;

/** Parses a `postgres://` URL; a bad one is refused with a message that shows none of it but its scheme. */
export function parseUrl(url: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreError('store_url', 'the PostgreSQL store URL is not a valid URL: write it as postgres://user:password@host:5432/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new StoreError('store_url', `the PostgreSQL store URL must start with postgres:// or postgresql://, not ${parsed.protocol}//`);
  }
  // The password may also come as a query parameter; neither the query nor the password is shown.
  const written = [parsed.password, parsed.searchParams.get('password') ?? ''].filter((secret) => secret !== '');
  const secrets = [...new Set([...written, ...written.map(decoded)])];
  const user = parsed.username === '' ? '' : `${parsed.username}${parsed.password === '' ? '' : ':***'}@`;
  return { shown: `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`, secrets };
}

/** A pool whose 64-bit integers (ids, times in ms, counts) read as numbers: none of slipway's exceeds 2^53. */
export function createPool(url: string, options: PgOptions): pg.Pool {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, Number);
  return new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    query_timeout: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    // A server gone without closing the connection is noticed by the operating system too.
    keepAlive: true,
    application_name: 'slipway',
    // A commit is answered once it is on disk, whatever the server's default says: slipway
    // acknowledges webhooks and records deployments on the strength of it.
    options: '-c synchronous_commit=on',
    types,
  });
}

/** The connection that LISTENs for word of work (work-listener.ts), beside the pool. */
export function createListenClient(url: string, options: PgOptions): pg.Client {
  return new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: 'slipway-listen',
    // It sits idle for long: keepalives find a connection the network dropped without a word.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
}

/** Any error of the driver as a StoreError that says what failed, never with the password in it. */
export function storeError(error: unknown, target: Target): StoreError {
  if (error instanceof StoreError) return error;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = scrub(typeof message === 'string' && message !== '' ? message : String(error), target.secrets);
  if (typeof code === 'string' && (UNAVAILABLE_NODE.has(code) || UNAVAILABLE_SQLSTATE.test(code)) || /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable/i.test(text)) {
    return new StoreError('store_unavailable', `PostgreSQL at ${target.shown} is unavailable: ${text}`);
  }
  return new StoreError('store_failed', `the PostgreSQL store failed: ${text}`);
}

function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce((scrubbed, secret) => scrubbed.split(secret).join('***'), text);
}

/** Percent-decoded, or as written when it is not valid percent-encoding. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
