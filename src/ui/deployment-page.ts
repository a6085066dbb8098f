import type { DeploymentDetail } from '../domain/environments.js';
import { html, type Html } from './html.js';
import { span, timeText } from './layout.js';
import { environmentPath } from './links.js';

/**
 * A deployment: what and where, its timeline (each phase with its time and how long it took),
 * and its log. While it runs the log streams in (`data-follow`) and the rest is live.
 */
export function deploymentPage(deployment: DeploymentDetail, running: boolean): Html {
  const { app, env } = deployment;
  const envPath = environmentPath(app, env);
  const phases = deployment.timeline.map((entry, index) => {
    const next = deployment.timeline[index + 1]?.at ?? deployment.finishedAt;
    return html`<li class="s-${entry.state}"><span class="state s-${entry.state}">${entry.state}</span> ${timeText(entry.at)}${next === null || next === undefined ? '' : html` <span class="muted">(${span(next - entry.at)})</span>`}<br>${entry.message}</li>`;
  });
  const log = deployment.log === '' ? '(nothing written yet)' : deployment.log;
  return html`<h1>Deployment ${deployment.id}: <a href="${envPath}">${app}/${env}</a></h1>
<div data-live="deployments">
<dl class="facts">
<dt>State</dt><dd><span class="state s-${deployment.state}">${deployment.state}</span></dd>
<dt>Commit</dt><dd><code>${deployment.sha ?? '—'}</code></dd>
<dt>Ref</dt><dd>${deployment.ref ?? '—'}</dd>
<dt>Trigger</dt><dd>${deployment.trigger ?? '—'}${deployment.deliveryId === null || deployment.deliveryId === 'api' ? '' : html` (<a href="/deliveries/${encodeURIComponent(deployment.deliveryId)}">delivery</a>)`}</dd>
<dt>Built by</dt><dd>${deployment.builtBy ?? '—'}</dd>
<dt>Error</dt><dd>${deployment.error ?? '—'}</dd>
<dt>Created</dt><dd>${timeText(deployment.createdAt)}</dd>
<dt>Finished</dt><dd>${timeText(deployment.finishedAt)}${deployment.finishedAt === null ? '' : html` <span class="muted">(took ${span(deployment.finishedAt - deployment.createdAt)})</span>`}</dd>
</dl>
<h2>Timeline</h2><ol class="timeline">${phases}</ol>
</div>
<h2>Log</h2><pre id="log" tabindex="0" aria-label="Deployment log"${running ? html` data-follow="/deployments/${deployment.id}/log"` : ''}>${log}</pre>`;
}
