import type { IncomingHttpHeaders } from 'node:http';
import { InputError, SlipwayError } from '../errors.js';
import type { InsertOutcome, NewDelivery, InboxStore } from '../store/store.js';
import { mediaTypeOf } from './body.js';
import { SignatureCheck, signatureDigest } from './signature.js';
import { tryNormalize, type Normalized } from '../events/normalize.js';

export const CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

const EVENT_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const DELIVERY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Which of GitHub's two body formats this is; anything else is 415. */
export function contentTypeOf(headers: IncomingHttpHeaders): ContentType {
  const type = mediaTypeOf(headers);
  const known = CONTENT_TYPES.find((candidate) => candidate === type);
  if (known === undefined) {
    throw new InputError(
      'unsupported_media_type',
      `content type must be application/json or application/x-www-form-urlencoded (the webhook's "Content type" setting)`,
      415,
    );
  }
  return known;
}

export interface Received {
  outcome: InsertOutcome;
  delivery: NewDelivery;
  /** The payload normalized here, where it arrives: the dispatcher need not read it back. */
  normalized: Normalized;
}

/**
 * The webhook inbox: verifies a delivery, reads the few fields it indexes, and commits it to
 * the store. Resolves only once the delivery is durable; throws an InputError for bad input,
 * in which case nothing was stored.
 */
export class Inbox {
  private inFlight = 0;

  constructor(
    private readonly store: InboxStore,
    /** null accepts unsigned requests (`--insecure-skip-signature`). */
    private readonly secrets: readonly string[] | null,
    /**
     * Deliveries waiting for their commit at most; past it slipway answers 503 instead of
     * queueing without bound (a stalled disk must not exhaust memory). GitHub records the
     * failed delivery, and it can be redelivered.
     */
    private readonly maxInFlight = 4096,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The signature check for a request, from its headers alone: a missing or malformed
   * `X-Hub-Signature-256` is refused (401) before any of the body is read. Feed it the body as
   * it arrives; null when unsigned requests are accepted.
   */
  signatureCheck(headers: IncomingHttpHeaders): SignatureCheck | null {
    if (this.secrets === null) return null;
    const header = single(headers['x-hub-signature-256']);
    if (header === undefined || header === '') {
      throw new InputError('signature_missing', 'X-Hub-Signature-256 is missing: set a secret on the webhook', 401);
    }
    const given = signatureDigest(header);
    if (given === null) {
      throw new InputError('signature_invalid', 'X-Hub-Signature-256 is not "sha256=" and 64 hexadecimal digits: check the webhook', 401);
    }
    return new SignatureCheck(this.secrets, given);
  }

  /** Stores a delivery whose whole `body` was fed to `signature` (from `signatureCheck`). */
  async receive(headers: IncomingHttpHeaders, type: ContentType, body: Buffer, signature: SignatureCheck | null): Promise<Received> {
    if (this.secrets !== null && (signature === null || !signature.matches())) {
      throw new InputError('signature_invalid', 'X-Hub-Signature-256 does not match: check the webhook secret', 401);
    }
    const event = required(headers, 'x-github-event', EVENT_NAME);
    const id = required(headers, 'x-github-delivery', DELIVERY_ID);
    const payload = type === 'application/json' ? body : Buffer.from(formPayload(body));
    const parsed = parseObject(payload.toString('utf8'));
    const fields = indexFields(parsed);
    const delivery: NewDelivery = {
      id,
      event,
      action: fields.action,
      hookId: single(headers['x-github-hook-id']) ?? fields.hookId,
      targetType: single(headers['x-github-hook-installation-target-type']) ?? null,
      targetId: single(headers['x-github-hook-installation-target-id']) ?? null,
      repository: fields.repository,
      receivedAt: this.now(),
      payload,
    };
    // Normalized before the commit is awaited, so the parsed payload is garbage while still young.
    const normalized = tryNormalize(event, parsed);
    if (this.inFlight >= this.maxInFlight) {
      throw new SlipwayError('busy', 'slipway is storing too many deliveries at once; redeliver this one shortly', { status: 503 });
    }
    this.inFlight += 1;
    try {
      return { outcome: await this.store.insertDelivery(delivery), delivery, normalized };
    } finally {
      this.inFlight -= 1;
    }
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function required(headers: IncomingHttpHeaders, name: string, pattern: RegExp): string {
  const value = single(headers[name]);
  if (value === undefined || value === '') {
    throw new InputError('header_missing', `the ${name} header is required`);
  }
  if (!pattern.test(value)) throw new InputError('header_invalid', `the ${name} header is malformed`);
  return value;
}

function formPayload(body: Buffer): string {
  const payload = new URLSearchParams(body.toString('utf8')).get('payload');
  if (payload === null) throw new InputError('payload_missing', 'a form body must carry the JSON in its payload field');
  return payload;
}

function parseObject(text: string): object {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InputError('payload_unparsable', 'the payload is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError('payload_unparsable', 'the payload must be a JSON object');
  }
  return parsed;
}

function indexFields(parsed: object): { action: string | null; repository: string | null; hookId: string | null } {
  const object = parsed as { action?: unknown; repository?: { full_name?: unknown } | null; hook_id?: unknown };
  return {
    action: typeof object.action === 'string' ? object.action : null,
    repository: typeof object.repository?.full_name === 'string' ? object.repository.full_name : null,
    hookId: typeof object.hook_id === 'number' ? String(object.hook_id) : null,
  };
}
