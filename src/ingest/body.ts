import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { InputError } from '../errors.js';

/** The media type of Content-Type, lowercase without parameters: `application/json; charset=utf-8` → `application/json`. */
export function mediaTypeOf(headers: IncomingHttpHeaders): string {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export class BodyTooLargeError extends InputError {
  constructor(limit: number) {
    super('payload_too_large', `the body is larger than ${limit} bytes, the limit slipway takes`, 413);
  }
}

/** The client went away before sending the whole body: there is nobody to answer. */
export class BodyAbortedError extends InputError {
  constructor() {
    super('body_incomplete', 'the request body ended before it was complete', 400);
  }
}

/** The Content-Length the client declared; 0 when it declared none (a chunked body). */
export function declaredLength(request: IncomingMessage): number {
  const declared = Number(request.headers['content-length'] ?? 0);
  return Number.isSafeInteger(declared) ? declared : 0;
}

/**
 * Reads the whole body, refusing more than `limit` bytes: a declared Content-Length over the
 * limit is refused before reading, and a chunked body stops being buffered once it passes it.
 * A declared body is copied into one buffer of its length as it arrives (no second copy at the
 * end). `onChunk` sees each chunk as it arrives, with the bytes read so far; when it throws,
 * reading stops and the error is the answer.
 */
export function readBody(request: IncomingMessage, limit: number, onChunk?: (chunk: Buffer, size: number) => void): Promise<Buffer> {
  const declared = declaredLength(request);
  if (declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    // node's parser passes on exactly the declared bytes, so `whole` is full at the end.
    const whole = declared > 0 ? Buffer.allocUnsafe(declared) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error: Error) => {
      cleanup();
      request.pause();
      reject(error);
    };
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('aborted', onAborted);
      request.off('error', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return stop(new BodyTooLargeError(limit));
      try {
        onChunk?.(chunk, size);
      } catch (error) {
        return stop(error as Error);
      }
      if (whole === null) chunks.push(chunk);
      else chunk.copy(whole, size - chunk.length);
    };
    const onEnd = () => {
      cleanup();
      if (whole !== null) resolve(whole);
      else resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size));
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
