import { eventName, headline, isoTime, type Outgoing } from '../message.js';

/** The json body's version: a field's meaning never changes within it; a new field may appear. */
export const JSON_BODY_VERSION = 1;

/** slipway's own body, documented in the README: the facts as they were, with times in ISO 8601. */
export function jsonBody(outgoing: Outgoing): unknown {
  const { facts } = outgoing;
  return {
    version: JSON_BODY_VERSION,
    id: outgoing.id,
    event: eventName(outgoing),
    app: facts.app,
    environment: facts.environment,
    deployment: facts.deployment,
    sha: facts.sha,
    fromSha: facts.fromSha,
    ref: facts.ref,
    pr: facts.pr,
    branch: facts.branch,
    state: facts.state,
    url: facts.url,
    logUrl: outgoing.logUrl,
    error: facts.error,
    reason: facts.reason,
    trigger: facts.trigger,
    startedAt: isoTime(facts.startedAt),
    finishedAt: isoTime(facts.finishedAt),
    at: isoTime(facts.at),
    summary: headline(outgoing),
  };
}
