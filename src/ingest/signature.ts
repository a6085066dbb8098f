import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^sha256=([0-9a-f]{64})$/i;

/** `X-Hub-Signature-256` as GitHub computes it: HMAC-SHA256 of the raw body, hex. */
export function sign(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * True when `header` is a valid signature of `body` under any of `secrets` (rotation).
 * Compares in constant time and checks every secret, so timing tells nothing.
 */
export function verifySignature(secrets: readonly string[], body: Buffer, header: string | undefined): boolean {
  const match = header === undefined ? null : HEADER.exec(header);
  if (match?.[1] === undefined) return false;
  const given = Buffer.from(match[1], 'hex');
  let valid = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(body).digest();
    valid = timingSafeEqual(expected, given) || valid;
  }
  return valid;
}
