import type { ServerResponse } from 'node:http';
import { SlipwayError } from '../errors.js';

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** Errors become `{error: {code, message}}`; anything unexpected is a 500 that reveals nothing. */
export function sendError(response: ServerResponse, error: unknown, headers: Record<string, string> = {}): void {
  const known = error instanceof SlipwayError;
  const status = known ? error.status : 500;
  const code = known ? error.code : 'internal_error';
  const message = known ? error.message : 'slipway failed to handle the request; see its log';
  sendJson(response, status, { error: { code, message } }, headers);
}
