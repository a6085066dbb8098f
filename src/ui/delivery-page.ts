import type { Explanation } from '../policy/explain.js';
import { PAYLOAD_REMOVED } from '../store/retention.js';
import type { Delivery, DeliveryEffects } from '../store/store.js';
import { deliveryPath, eventText, stateWord } from './delivery-parts.js';
import { explanationView } from './explanation.js';
import { html, type Html } from './html.js';
import { actionForm, span, timeText, type Viewer } from './layout.js';

/** Beyond this many characters of the pretty-printed payload, the page shows the start and says so. */
const PAYLOAD_SHOWN = 1024 * 1024;

/** What policy makes of a delivery with the config in force, or why its payload cannot be used. */
export type Explained = { ok: true; explanation: Explanation } | { ok: false; reason: string };

export interface DeliveryView {
  delivery: Delivery;
  explained: Explained;
  effects: DeliveryEffects;
  viewer: Viewer;
}

/**
 * A delivery: what arrived (its headers as stored, its status and times), what each rule makes
 * of it, what it changed, a Replay button for a signed-in viewer, and its payload, folded.
 */
export function deliveryPage({ delivery, explained, effects, viewer }: DeliveryView): Html {
  const took = delivery.processedAt === null ? '' : html` <span class="muted">(${span(delivery.processedAt - delivery.receivedAt)} after it arrived)</span>`;
  const replay = viewer.csrf === null ? '' : html`<div class="actions">${actionForm(viewer, `${deliveryPath(delivery.id)}/replay`, 'Replay')}
<p class="muted">Dispatches it again as if it had just arrived: after a config change, or to retry one that failed.</p></div>`;
  return html`<h1>Delivery <code>${delivery.id}</code></h1>
<div data-live="deliveries deployments">
<dl class="facts">
<dt>Status</dt><dd>${stateWord(delivery.status)}</dd>
<dt>Event</dt><dd><code>${eventText(delivery)}</code></dd>
<dt>Repository</dt><dd>${delivery.repository ?? '—'}</dd>
<dt>Received</dt><dd>${timeText(delivery.receivedAt)}</dd>
<dt>Processed</dt><dd>${timeText(delivery.processedAt)}${took}</dd>
<dt>Error</dt><dd>${delivery.error ?? '—'}</dd>
</dl>
${replay}
<h2>Headers</h2>
<dl class="facts">${headers(delivery).map(([name, value]) => html`<dt><code>${name}</code></dt><dd>${value === null ? html`<span class="muted">—</span>` : html`<code>${value}</code>`}</dd>`)}</dl>
<p class="muted">As slipway stored them. The signature was checked when the delivery arrived and is not kept.</p>
<h2>What each rule decides</h2>
<p class="muted">With the config slipway runs now (it may have changed since this delivery arrived), as <code>slipway explain --event ${delivery.event} --payload FILE</code> answers.</p>
${explained.ok ? explanationView(explained.explanation) : html`<p class="problem">The payload cannot be used: ${explained.reason}</p>`}
<h2>What it changed</h2>
${effectsView(effects)}
</div>
<h2>Payload</h2>
${payloadView(delivery)}`;
}

function headers(delivery: Delivery): [string, string | null][] {
  return [
    ['X-GitHub-Delivery', delivery.id],
    ['X-GitHub-Event', delivery.event],
    ['X-GitHub-Hook-ID', delivery.hookId],
    ['X-GitHub-Hook-Installation-Target-Type', delivery.targetType],
    ['X-GitHub-Hook-Installation-Target-ID', delivery.targetId],
  ];
}

function effectsView({ environments, deployments }: DeliveryEffects): Html {
  if (environments.length === 0 && deployments.length === 0) {
    return html`<p class="muted">Nothing now: no environment's desired state comes from it last, and it started no deployment.</p>`;
  }
  const envPath = (app: string, env: string) => `/environments/${encodeURIComponent(app)}/${encodeURIComponent(env)}`;
  const envList = environments.length === 0 ? '' : html`<h3>Environments it changed last</h3>
<ul>${environments.map((env) => html`<li><a href="${envPath(env.app, env.name)}">${env.app}/${env.name}</a> ${stateWord(env.state)} <span class="muted">${env.lastTrigger ?? ''}</span></li>`)}</ul>`;
  const rows = deployments.map((deployment) => html`<tr><td><a href="/deployments/${deployment.id}">${deployment.id}</a></td>
<td><a href="${envPath(deployment.app, deployment.env)}">${deployment.app}/${deployment.env}</a></td><td>${stateWord(deployment.state)}</td>
<td><code>${deployment.sha?.slice(0, 12) ?? '—'}</code></td><td>${timeText(deployment.createdAt)}</td><td>${timeText(deployment.finishedAt)}</td></tr>`);
  const table = deployments.length === 0 ? html`<p class="muted">It started no deployment.</p>` : html`<h3>Deployments it started</h3>
<div class="table-wrap"><table><thead><tr><th scope="col">Deployment</th><th scope="col">Environment</th><th scope="col">State</th><th scope="col">Commit</th><th scope="col">Started</th><th scope="col">Finished</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
  return html`${envList}${table}`;
}

/** The payload pretty-printed (as sent when it is not JSON), folded; a huge one is cut. */
function payloadView(delivery: Delivery): Html {
  if (delivery.payload === null) return html`<p class="muted">None: ${PAYLOAD_REMOVED}. The delivery is kept so that GitHub redelivering it is still recognized.</p>`;
  const bytes = Buffer.byteLength(delivery.payload);
  let text: string;
  try {
    text = JSON.stringify(JSON.parse(delivery.payload), null, 2);
  } catch {
    text = delivery.payload;
  }
  const cut = text.length > PAYLOAD_SHOWN;
  const note = cut
    ? html`<p class="notice">The payload is ${size(bytes)}: the first ${size(PAYLOAD_SHOWN)} is shown. <code>slipway deliveries ${delivery.id}</code> prints all of it.</p>`
    : '';
  return html`<details><summary>The payload as GitHub sent it (${size(bytes)})</summary>${note}<pre tabindex="0" aria-label="Payload">${cut ? text.slice(0, PAYLOAD_SHOWN) : text}</pre></details>`;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
