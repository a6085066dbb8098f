import type { IncomingMessage } from 'node:http';
import { InputError } from '../errors.js';
import { BodyTooLargeError, readBody } from '../ingest/body.js';

/** API request bodies are a few fields; anything larger is a mistake. */
export const MAX_API_BODY_BYTES = 64 * 1024;

/**
 * Reads an optional JSON object body: undefined when the request has none. A body must be a
 * JSON object; the API's access rule (access.ts) already refused any other content type.
 */
export async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const body = await readBody(request, MAX_API_BODY_BYTES).catch((error: unknown) => {
    if (error instanceof BodyTooLargeError) {
      throw new InputError('payload_too_large', `the request body is larger than ${MAX_API_BODY_BYTES} bytes`, 413);
    }
    throw error;
  });
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError('bad_json', 'the request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError('bad_body', 'the request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** Refuses fields other than `allowed`, naming them and what is allowed. */
export function onlyFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    const names = unknown.map((key) => JSON.stringify(key)).join(', ');
    throw new InputError('bad_body', `unknown field${unknown.length === 1 ? '' : 's'} ${names}; expected only: ${allowed.join(', ')}`);
  }
}
