import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';

const HEADER = /^sha256=([0-9a-f]{64})$/i;

/** `X-Hub-Signature-256` as GitHub computes it: HMAC-SHA256 of the raw body, hex. */
export function sign(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The digest a well-formed `X-Hub-Signature-256` (`sha256=` and 64 hex digits) carries; else null. */
export function signatureDigest(header: string | undefined): Buffer | null {
  const hex = header === undefined ? undefined : HEADER.exec(header)?.[1];
  return hex === undefined ? null : Buffer.from(hex, 'hex');
}

/**
 * The check of one body against a signature under any of `secrets` (rotation), computed as the
 * body arrives: one HMAC per secret, fed each chunk, so the body is never read twice.
 */
export class SignatureCheck {
  private readonly hmacs: Hmac[];

  constructor(secrets: readonly string[], private readonly given: Buffer) {
    this.hmacs = secrets.map((secret) => createHmac('sha256', secret));
  }

  update(chunk: Buffer): void {
    for (const hmac of this.hmacs) hmac.update(chunk);
  }

  /** Whether the body fed so far is signed; compares in constant time against every secret, once. */
  matches(): boolean {
    let valid = false;
    for (const hmac of this.hmacs) valid = timingSafeEqual(hmac.digest(), this.given) || valid;
    return valid;
  }
}
