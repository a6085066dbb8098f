import type { DeploymentOutcome, Environment } from '../domain/environments.js';
import { html, type Html } from './html.js';
import { span } from './layout.js';
import { environmentPath, siteLink, type RepoLinks } from './links.js';

/** How many of its latest deployments a card shows as coloured squares. */
export const STRIP_LENGTH = 8;

/**
 * One environment on the board: its state (as a word and a colour), what runs, where, how old it
 * is and when it goes, and its last deployments' outcomes, oldest first.
 */
export function environmentCard(env: Environment, latest: readonly DeploymentOutcome[], links: RepoLinks, now: number): Html {
  const source = env.pr !== null
    ? html`<dt>PR</dt><dd>${links.pull(env.pr)}</dd>`
    : env.branch !== null ? html`<dt>Branch</dt><dd>${links.branch(env.branch)}</dd>` : '';
  const expiry = env.keep
    ? html`<dt>Expires</dt><dd>kept</dd>`
    : env.expiresAt === null ? '' : html`<dt>Expires</dt><dd>${expiresIn(env.expiresAt, now)}</dd>`;
  return html`<li class="card s-${env.state}"><h4><a href="${environmentPath(env.app, env.name)}">${env.name}</a> <span class="state s-${env.state}">${env.state}</span></h4>
<dl><dt>Commit</dt><dd>${links.commit(env.observedSha)}</dd>${source}<dt>URL</dt><dd>${siteLink(env.url)}</dd>
<dt>Age</dt><dd>${span(now - env.createdAt)}</dd>${expiry}<dt>Restarts</dt><dd>${env.restarts}</dd></dl>
${strip(latest)}</li>`;
}

/** `in 3 h`, or `expired` once it passed (the TTL sweep destroys it shortly). */
export function expiresIn(at: number, now: number): string {
  return at <= now ? 'expired' : `in ${span(at - now)}`;
}

/** The outcomes of the latest deployments (newest first as given), shown oldest first, each with its state in words. */
function strip(latest: readonly DeploymentOutcome[]): Html | '' {
  if (latest.length === 0) return '';
  const squares = [...latest].reverse().map((d) => {
    const text = `#${d.id} ${d.state}${d.sha === null ? '' : ` ${d.sha.slice(0, 7)}`}`;
    return html`<li class="s-${d.state}" title="${text}"><span class="visually-hidden">${text}</span></li>`;
  });
  return html`<ol class="strip" aria-label="Last deployments, oldest first">${squares}</ol>`;
}
