import type { NotificationFacts } from '../domain/notifications.js';

/** A notification as a receiver gets it: the facts, its delivery id, and the deployment's log page. */
export interface Outgoing {
  /** The delivery id (`X-Slipway-Delivery`), the same on every try. */
  id: string;
  facts: NotificationFacts;
  /** `server.publicUrl`/deployments/<id>; null without a public URL or a deployment. */
  logUrl: string | null;
  /** Sent by `slipway notify test`: says so, and its event is `test`. */
  test?: boolean;
}

/** The event name receivers see (`X-Slipway-Event`, the json body's `event`). */
export const eventName = (outgoing: Outgoing): string => (outgoing.test === true ? 'test' : outgoing.facts.event);

/** The longest error or reason quoted in a chat message. */
const MAX_LINE = 300;

export const shortSha = (sha: string | null): string => (sha === null ? 'an unknown commit' : sha.slice(0, 12));

/** Text from outside (an error, a reason) on one line, cut to a readable length. */
export function oneLine(text: string, max = MAX_LINE): string {
  // eslint-disable-next-line no-control-regex -- control characters (and bidi overrides) become spaces
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** What it follows, for a summary: ` (pull request #7)`, ` (main)`, ` (v1.2.0)`, or nothing. */
function source(facts: NotificationFacts): string {
  if (facts.pr !== null) return ` (pull request #${facts.pr})`;
  if (facts.branch !== null) return ` (${facts.branch})`;
  const tag = facts.ref?.startsWith('refs/tags/') === true ? facts.ref.slice('refs/tags/'.length) : null;
  return tag === null ? '' : ` (${tag})`;
}

/** The readable one-line summary every format leads with: what happened to which environment, from which sha to which. */
export function headline(outgoing: Outgoing): string {
  const { facts } = outgoing;
  const where = `${facts.app}/${facts.environment}`;
  const to = shortSha(facts.sha);
  const from = facts.fromSha !== null && facts.fromSha !== facts.sha ? facts.fromSha.slice(0, 12) : null;
  let text: string;
  switch (facts.event) {
    case 'succeeded':
      text = `${where}: deployed ${from === null ? to : `${from} → ${to}`}${source(facts)}`;
      break;
    case 'failed':
      text = facts.startedAt === null
        ? `${where}: ${to}${source(facts)} was not deployed: its gate failed`
        : `${where}: the deployment of ${to}${source(facts)} failed${from === null ? '' : `; ${from} still runs`}`;
      break;
    case 'rolled-back':
      text = `${where}: rolled back ${from === null ? `to ${to}` : `${from} → ${to}`}`;
      break;
    case 'destroyed':
      text = `${where}: destroyed`;
      break;
    case 'waiting':
      text = `${where}: ${to}${source(facts)} is waiting`;
      break;
  }
  return outgoing.test === true ? `Test notification from slipway: ${text}` : text;
}

/** The second line: why it failed, why it was destroyed or rolled back, what it waits for; null when nothing to say. */
export function detail(facts: NotificationFacts): string | null {
  const why = facts.error ?? facts.reason;
  return why === null || why === '' ? null : oneLine(why);
}

/** The outcome as a word chat formats colour by. */
export type Tone = 'good' | 'bad' | 'warning' | 'neutral';

export function toneOf(facts: NotificationFacts): Tone {
  if (facts.event === 'succeeded') return 'good';
  if (facts.event === 'failed') return 'bad';
  if (facts.event === 'rolled-back' || facts.event === 'waiting') return 'warning';
  return 'neutral';
}

export const MARKS: Record<Tone, string> = { good: '✅', bad: '❌', warning: '⚠️', neutral: 'ℹ️' };

/** The links a chat message offers, those that exist: the environment and the deployment's log. */
export function links(outgoing: Outgoing): { label: string; url: string }[] {
  const found: { label: string; url: string }[] = [];
  if (outgoing.facts.url !== null && isHttp(outgoing.facts.url)) found.push({ label: 'Open environment', url: outgoing.facts.url });
  if (outgoing.logUrl !== null) found.push({ label: 'Deployment log', url: outgoing.logUrl });
  return found;
}

function isHttp(text: string): boolean {
  return URL.canParse(text) && /^https?:$/.test(new URL(text).protocol);
}

/** ISO 8601 time, or null. */
export const isoTime = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
