import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { InputError } from '../errors.js';
import { mediaTypeOf } from '../ingest/body.js';

/** The file in the data folder holding the API token slipway generated, when none is configured. */
export const API_TOKEN_FILE = 'api-token';

export interface AccessRule {
  /** The bearer token every private request must send (required: no client is trusted by address). */
  apiToken: string;
  /** server.publicUrl: a browser that reaches slipway through a proxy sends this as its Origin. */
  publicUrl: string | undefined;
}

/**
 * Who may use a private route (/api, /metrics, /deployments/:id): not a browser on another site
 * (403), only a client sending the API token (401), and a write only as JSON (415): a web page
 * cannot send application/json to another site without a CORS preflight, which slipway never allows.
 */
export function checkAccess(request: IncomingMessage, rule: AccessRule): void {
  if (isCrossSite(request, rule.publicUrl)) {
    throw new InputError('cross_site', 'cross-site browser requests to the API are refused; call it from the CLI, curl or a same-origin page', 403);
  }
  const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (given === undefined || !sameSecret(given, rule.apiToken)) {
    throw new InputError(
      'unauthorized',
      'send the API token as "Authorization: Bearer <token>": server.apiToken, $SLIPWAY_API_TOKEN, or the api-token file slipway generated in its data folder',
      401,
    );
  }
  if (request.method === 'POST' && mediaTypeOf(request.headers) !== 'application/json') {
    throw new InputError('unsupported_media_type', 'API writes must be sent with "Content-Type: application/json" (even without a body)', 415);
  }
}

/** Fetch Metadata says another site sent it, or its Origin is neither this host nor the public URL's. */
export function isCrossSite(request: IncomingMessage, publicUrl: string | undefined): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  const host = URL.canParse(origin) ? new URL(origin).host : null;
  if (host === null || host === '') return true;
  return host !== request.headers.host?.toLowerCase() && (publicUrl === undefined || host !== new URL(publicUrl).host);
}

export function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}
