import type { ReceiverConfig } from '../config/schema.js';
import type { Rendered } from './render.js';
import { teamsThrottled } from './formats/teams.js';
import { oneLine } from './message.js';

/** What one POST to a receiver came to. */
export type Answer =
  | { kind: 'delivered'; status: number; answer: string }
  /** Worth another try: a network error, no answer in time, 408, 429 or 5xx; `retryAfterMs` from `Retry-After`. */
  | { kind: 'retry'; status: number | null; answer: string | null; error: string; retryAfterMs: number | null }
  /** Refused for good (any other status): trying again would not change it. */
  | { kind: 'failed'; status: number; answer: string; error: string };

/** How much of an answer is read, and how much of it is kept as its excerpt. */
const READ_BYTES = 16 * 1024;
const EXCERPT_CHARS = 200;

/**
 * POSTs a rendered notification. Never throws for what the receiver does; never says the URL
 * (a chat webhook's URL is its credential): errors name the failure, and the excerpt of the
 * answer has the URL, its parts and the secret cut out. Redirects are not followed.
 */
export async function post(receiver: Pick<ReceiverConfig, 'url' | 'secret' | 'format'>, request: Rendered, options: { timeoutMs: number; signal: AbortSignal }): Promise<Answer> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await fetch(receiver.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.any([timeout, options.signal]),
    });
    text = await readSome(response);
  } catch (error) {
    options.signal.throwIfAborted();
    return { kind: 'retry', status: null, answer: null, error: networkError(error, timeout.aborted, options.timeoutMs), retryAfterMs: null };
  }
  const { status } = response;
  const answer = excerpt(text, secretsOf(receiver));
  const retryAfterMs = retryAfter(response.headers.get('retry-after'));
  if (status >= 200 && status < 300) {
    if (receiver.format === 'teams' && teamsThrottled(text)) return { kind: 'retry', status, answer, error: 'throttled by Teams (HTTP error 429 in a 200 answer)', retryAfterMs };
    return { kind: 'delivered', status, answer };
  }
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', status, answer, error: `answered ${status}`, retryAfterMs };
  const why = status >= 300 && status < 400 ? `answered ${status} (a redirect, which is not followed: fix the url)` : `answered ${status}`;
  return { kind: 'failed', status, answer, error: why };
}

/** At most READ_BYTES of the answer's body, as text; the rest is not read. */
async function readSome(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < READ_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, READ_BYTES).toString('utf8');
}

/** `Retry-After` as seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfter(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  UND_ERR_SOCKET: 'connection closed',
};

/** A failed request as words and a code; the error's own message is not used (it may quote the URL). */
function networkError(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no answer within ${timeoutMs / 1000} s`;
  const cause = (error as { cause?: { code?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : null;
  if (code === null) return 'network error';
  return `${NETWORK_ERRORS[code] ?? 'network error'} (${code})`;
}

/** The receiver's URL, its parts that could be echoed alone (a webhook's token), and the secret. */
function secretsOf(receiver: Pick<ReceiverConfig, 'url' | 'secret'>): string[] {
  const found = [receiver.url];
  if (receiver.secret !== null) found.push(receiver.secret);
  if (URL.canParse(receiver.url)) {
    const url = new URL(receiver.url);
    found.push(url.href, `${url.pathname}${url.search}`);
    found.push(...url.pathname.split('/').map(decodeSafely), ...[...url.searchParams.values()]);
  }
  // Longest first, so a part never leaves the rest of a longer one behind; short parts are not secrets.
  return [...new Set(found)].filter((part) => part.length >= 8).sort((a, b) => b.length - a.length);
}

function decodeSafely(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** A short, one-line excerpt of an answer with every secret in it replaced. */
export function excerpt(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) clean = clean.split(secret).join('[redacted]');
  return oneLine(clean, EXCERPT_CHARS);
}
