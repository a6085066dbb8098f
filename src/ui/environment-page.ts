import { formatDuration } from '../config/duration.js';
import type { DeploymentWithTimeline, Environment } from '../domain/environments.js';
import type { GateVerdict } from '../engine/gate.js';
import { expiresIn } from './environment-card.js';
import { environmentForms } from './environment-forms.js';
import { html, type Content, type Html } from './html.js';
import { span, timeText, type Viewer } from './layout.js';
import { siteLink, type RepoLinks } from './links.js';

/** The gate's verdict on one commit, and why that commit. */
export interface GateView {
  sha: string;
  /** `the newest deployment's`, `running`. */
  role: string;
  verdict: GateVerdict;
}

export interface EnvironmentView {
  env: Environment;
  links: RepoLinks;
  /** Its newest deployments, newest first, with their phases. */
  history: DeploymentWithTimeline[];
  /** Null when its configured environment has no gate. */
  gates: GateView[] | null;
  /** Shas it may roll back to, newest first. */
  rollbackTo: string[];
  /** Its app is in the config (else nothing can be done to it). */
  configured: boolean;
  viewer: Viewer;
  now: number;
}

/**
 * An environment: the actions (outside the live part, so a half-typed ref is kept), then what it
 * is and runs, its gate's CI signals, and its deployment history, which refresh as they change.
 */
export function environmentPage(view: EnvironmentView): Html {
  const { env } = view;
  return html`<h1>${env.app}/${env.name}</h1>
${environmentForms(env, view.viewer, view.rollbackTo, view.configured)}
<div data-live="environments deployments">
<h2>Now</h2>${facts(view)}
<h2>Gate</h2>${gates(view)}
<h2>Deployments</h2>${history(view)}
</div>`;
}

function facts({ env, links, now }: EnvironmentView): Html {
  const converging = env.generation > env.observedGeneration ? html` <span class="muted">(converging to generation ${env.generation})</span>` : '';
  const origin = [
    env.lastTrigger === null ? null : html`by ${env.lastTrigger}`,
    env.githubDeploymentId === null ? null : html`GitHub deployment ${env.githubDeploymentId}`,
    env.artifactRunId === null ? null : html`the artifact of workflow run ${env.artifactRunId}`,
  ].filter((part) => part !== null);
  const desired = env.pinnedSha !== null
    ? html`<dt>Pinned to</dt><dd>${links.commit(env.pinnedSha)}${origin.length === 0 ? '' : html` (${join(origin, ', ')})`}${env.desiredRef === null ? '' : html`; it followed <code>${env.desiredRef}</code>`}</dd>`
    : html`<dt>Follows</dt><dd>${env.desiredRef === null ? html`<span class="muted">—</span>` : html`<code>${env.desiredRef}</code>`}${env.lastTrigger === null ? '' : html` (last change by ${env.lastTrigger})`}</dd>`;
  const expiry = env.keep ? 'never: it is kept' : env.expiresAt === null ? 'never' : html`${expiresIn(env.expiresAt, now)} (${timeText(env.expiresAt)})`;
  const sleep = env.sleptAt === null ? 'awake' : html`asleep since ${timeText(env.sleptAt)}`;
  return html`<dl class="facts">
<dt>State</dt><dd><span class="state s-${env.state}">${env.state}</span>${converging}</dd>
<dt>URL</dt><dd>${siteLink(env.url)}</dd>
${desired}
<dt>Running</dt><dd>${links.commit(env.observedSha)}</dd>
<dt>Quarantined</dt><dd>${env.quarantinedSha === null ? 'nothing' : html`${links.commit(env.quarantinedSha)} (rolled back from; following the ref skips it until a new commit)`}</dd>
<dt>Failed here</dt><dd>${env.failedSha === null ? 'nothing' : links.commit(env.failedSha)}</dd>
<dt>Time to live</dt><dd>${env.ttlMs === null ? 'none' : formatDuration(env.ttlMs)}</dd>
<dt>Expires</dt><dd>${expiry}</dd>
<dt>Restarts</dt><dd>${env.restarts}${env.lastExit === null ? '' : html` (last exit: ${env.lastExit})`}</dd>
<dt>Sleep</dt><dd>${sleep}; woken ${env.wakes} time${env.wakes === 1 ? '' : 's'}; last used ${timeText(env.usedAt)}</dd>
<dt>Built by</dt><dd>${env.builtBy ?? html`<span class="muted">—</span>`}</dd>
<dt>Created</dt><dd>${timeText(env.createdAt)}</dd>
</dl>`;
}

const VERDICT_STATES = { open: 'passed', waiting: 'pending', failed: 'failed' } as const;

function gates({ gates: reports, links }: EnvironmentView): Html {
  if (reports === null) return html`<p class="muted">No gate: commits deploy without waiting for CI.</p>`;
  if (reports.length === 0) return html`<p class="muted">No commit yet.</p>`;
  return html`${reports.map(({ sha, role, verdict }) => {
    const rows = verdict.requirements.map((r) => html`<tr><td>${r.kind.replace('_', ' ')}</td><td>${r.name}</td>
<td><span class="state s-${r.state}">${r.state}</span></td><td>${r.conclusion ?? '—'}</td><td>${r.url === null ? '—' : html`<a href="${r.url}">details</a>`}</td></tr>`);
    return html`<h3>${links.commit(sha)} (${role}): <span class="state s-${VERDICT_STATES[verdict.state]}">${verdict.state}</span></h3>
<p>${verdict.summary}</p>
<div class="table-wrap"><table><thead><tr><th scope="col">Signal</th><th scope="col">Name</th><th scope="col">State</th><th scope="col">Conclusion</th><th scope="col">Link</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
  })}`;
}

function history({ env, history: deployments, links }: EnvironmentView): Html {
  if (deployments.length === 0) return html`<p class="muted">No deployments yet.</p>`;
  const items = deployments.map((d) => {
    const labels = [
      d.trigger?.includes('rollback') === true ? html`<span class="label s-waiting">rollback</span>` : '',
      d.sha !== null && d.sha === env.quarantinedSha ? html`<span class="label s-failure">quarantined</span>` : '',
    ];
    const took = d.finishedAt === null ? html`<span class="muted">running</span>` : html`took ${span(d.finishedAt - d.createdAt)}`;
    const phases = d.timeline.map((entry) => html`<li><span class="state s-${entry.state}">${entry.state}</span> ${timeText(entry.at)}: ${entry.message}</li>`);
    return html`<li class="s-${d.state}"><h3><a href="/deployments/${d.id}">Deployment ${d.id}</a> <span class="state s-${d.state}">${d.state}</span> ${labels}</h3>
<p>${links.commit(d.sha)}${d.ref === null ? '' : html` <code>${d.ref}</code>`} · ${d.trigger ?? 'no trigger'} · ${timeText(d.createdAt)} · ${took}</p>
${d.error === null ? '' : html`<p>${d.error}</p>`}<ol class="phases">${phases}</ol></li>`;
  });
  return html`<ol class="timeline">${items}</ol>`;
}

function join(parts: readonly Content[], separator: string): Content[] {
  return parts.flatMap((part, index) => (index === 0 ? [part] : [separator, part]));
}
