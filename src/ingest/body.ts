import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { InputError } from '../errors.js';

/** GitHub caps webhook payloads at 25 MiB. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;

/** The media type of Content-Type, lowercase without parameters: `application/json; charset=utf-8` → `application/json`. */
export function mediaTypeOf(headers: IncomingHttpHeaders): string {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export class BodyTooLargeError extends InputError {
  constructor(limit: number) {
    super('payload_too_large', `the body is larger than ${limit} bytes, GitHub's webhook limit`, 413);
  }
}

/** The client went away before sending the whole body: there is nobody to answer. */
export class BodyAbortedError extends InputError {
  constructor() {
    super('body_incomplete', 'the request body ended before it was complete', 400);
  }
}

/**
 * Reads the whole body, refusing more than `limit` bytes: a declared Content-Length over the
 * limit is refused before reading, and a chunked body stops being buffered once it passes it.
 */
export function readBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('aborted', onAborted);
      request.off('error', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        request.pause();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onAborted = () => {
      cleanup();
      reject(new BodyAbortedError());
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('aborted', onAborted);
    request.on('error', onAborted);
  });
}
