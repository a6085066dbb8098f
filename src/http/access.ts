import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { InputError } from '../errors.js';

/**
 * Who may read /api and /metrics: with an API token, whoever sends it as a bearer token;
 * without one, only clients on this machine (payloads are private data).
 */
export function checkAccess(request: IncomingMessage, apiToken: string | undefined): void {
  if (apiToken !== undefined) {
    const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (given === undefined || !sameSecret(given, apiToken)) {
      throw new InputError('unauthorized', 'send the API token as "Authorization: Bearer <token>"', 401);
    }
    return;
  }
  if (!isLoopback(request.socket.remoteAddress)) {
    throw new InputError('forbidden', 'the API answers only local clients; set server.apiToken to allow others', 403);
  }
}

function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
