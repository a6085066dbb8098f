import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { DomainEvent, PullRequestEvent, PushEvent, ReleaseEvent } from '../../src/events/domain.js';
import { normalize } from '../../src/events/normalize.js';
import type { Decision, PolicyResult } from '../../src/policy/policy.js';

/** Normalizes a payload from test/fixtures/payloads/ (all about `acme/webapp`). */
export function load<K extends DomainEvent['kind']>(kind: K, name: string): Extract<DomainEvent, { kind: K }> {
  const payload: unknown = JSON.parse(readFileSync(`test/fixtures/payloads/${name}.json`, 'utf8'));
  const event = normalize(kind, payload);
  assert.ok(event !== null && event.kind === kind);
  return event as Extract<DomainEvent, { kind: K }>;
}

/** `environments` (YAML, indented as list items under the key) for app `web` of `Acme/WebApp`. */
export function config(environments: string, more = ''): Config {
  const text = `apps:
  - name: web
    repo: Acme/WebApp
    target: { type: command, deploy: [./deploy.sh] }
    environments:
${environments}${more}`;
  return parseConfig(text, 'test.yaml', {}, '/tmp');
}

/** The environments of the example. */
export const EXAMPLE = config(`      - name: staging
        track: { branch: main }
      - name: production
        track: { release: { prerelease: false } }
      - name: pr-{number}
        track: { pullRequests: { base: [main], drafts: false, labels: [], forks: deny } }
        ttl: 72h
      - name: br-{branch}
        track: { branches: ["feature/*"] }
`, `  - name: other
    repo: acme/other
    target: { type: command, deploy: [./deploy.sh] }
    environments:
      - name: staging
        track: { branch: main }
`);

/** A pull request of acme/webapp, open, from the same repository: #42 feature/login → main, by a MEMBER, label `preview`. */
export function pullRequest(overrides: Partial<PullRequestEvent> = {}): PullRequestEvent {
  const closed = load('pull_request', 'pull-request-closed-merged');
  return { ...closed, action: 'opened', state: 'open', merged: false, ...overrides };
}

export function push(branch: string, overrides: Partial<PushEvent> = {}): PushEvent {
  const main = load('push', 'push-main');
  return { ...main, ref: `refs/heads/${branch}`, refType: 'branch', refName: branch, ...overrides };
}

export function pushTag(tag: string): PushEvent {
  return push(tag, { ref: `refs/tags/${tag}`, refType: 'tag', refName: tag, created: true });
}

export function release(tag: string, overrides: Partial<ReleaseEvent> = {}): ReleaseEvent {
  const { repository, sender, installationId } = load('push', 'push-main');
  return {
    kind: 'release',
    repository,
    sender,
    installationId,
    action: 'published',
    tag,
    name: tag,
    prerelease: false,
    draft: false,
    htmlUrl: `https://github.com/acme/webapp/releases/tag/${tag}`,
    ...overrides,
  };
}

/** The decision about one environment (by its configured name) of app `web`. */
export function decision(result: PolicyResult, environment: string, app = 'web'): Decision {
  const found = result.decisions.find((d) => d.app === app && d.environment === environment);
  assert.ok(found, `no decision for ${app}/${environment}: ${JSON.stringify(result.decisions)}`);
  return found;
}

/** Intents in a compact form: `follow web/pr-42 refs/pull/42/head`, `destroy web/pr-42`. */
export function summary(result: PolicyResult): string[] {
  return result.intents.map((intent) =>
    intent.kind === 'follow' ? `follow ${intent.app}/${intent.env} ${intent.ref}` : `destroy ${intent.app}/${intent.env}`,
  );
}

export const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
