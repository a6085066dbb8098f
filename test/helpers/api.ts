import assert from 'node:assert/strict';
import { send, type Answer } from './webhook.js';

/**
 * One call to slipway's API as the CLI makes it: the bearer token, and a POST as JSON (a
 * string body is sent as it is; anything else as JSON).
 */
export function callApi(base: string, token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (method === 'POST') headers['content-type'] = 'application/json';
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return send(`${base}${path}`, { method, headers, body: text });
}

export type Api = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<Answer>;

/** The API refused: the status, the error's code, and a message that says why. */
export function refused(answer: Answer, status: number, code: string, message: RegExp): void {
  assert.equal(answer.status, status, answer.body);
  const { error } = answer.json() as { error: { code: string; message: string } };
  assert.equal(error.code, code, answer.body);
  assert.match(error.message, message);
}
