import { barChart } from './bar-chart.js';
import { html, type Html } from './html.js';
import { span, timeText } from './layout.js';
import type { HourFigures, OverviewFigures } from './overview-figures.js';

/** `14:00` (UTC), the hour a bar stands for. */
const hourText = (start: number) => new Date(start).toISOString().slice(11, 16);
const readyText = (hour: Pick<HourFigures, 'readyMedianMs'>) => (hour.readyMedianMs === null ? '—' : span(hour.readyMedianMs));

/**
 * The last day at a glance: deployments per hour by outcome, the median time from a webhook to
 * its deployment being ready, and the same numbers as a table for screen readers.
 */
export function overviewPage(figures: OverviewFigures): Html {
  const { hours, total } = figures;
  const finished = total.succeeded + total.failed + total.other;
  const outcomes = barChart({
    id: 'outcomes',
    title: 'Deployments per hour by outcome',
    desc: `${finished} deployments finished in the last 24 hours: ${total.succeeded} succeeded, ${total.failed} failed, ${total.other} other.`,
    bars: hours.map((hour) => ({
      label: hourText(hour.start),
      parts: [{ value: hour.succeeded, tone: 's-success' }, { value: hour.failed, tone: 's-failure' }, { value: hour.other, tone: 's-inactive' }],
      title: `${hourText(hour.start)} UTC: ${hour.succeeded} succeeded, ${hour.failed} failed, ${hour.other} other`,
    })),
    tick: (value) => String(value),
  });
  const ready = barChart({
    id: 'ready',
    title: 'Median time from webhook to ready, per hour',
    desc: total.readyMedianMs === null
      ? 'No deployment a webhook started succeeded in the last 24 hours.'
      : `Over the last 24 hours the median was ${readyText(total)}, over ${total.readyCount} deployments a webhook started.`,
    bars: hours.map((hour) => ({
      label: hourText(hour.start),
      parts: [{ value: hour.readyMedianMs ?? 0, tone: 'bar' }],
      title: `${hourText(hour.start)} UTC: median ${readyText(hour)} over ${hour.readyCount}`,
    })),
    tick: span,
  });
  const rows = hours.map((hour) => html`<tr><th scope="row">${hourText(hour.start)}</th><td>${hour.succeeded}</td><td>${hour.failed}</td><td>${hour.other}</td><td>${readyText(hour)}</td><td>${hour.readyCount}</td></tr>`);
  return html`<h1>Overview</h1>
<div data-live="deployments">
<p>Deployments that finished since ${timeText(figures.since)}, by the hour in UTC.</p>
<dl class="facts" id="totals">
<dt>Finished</dt><dd>${finished}: ${total.succeeded} succeeded, ${total.failed} failed, ${total.other} other <span class="muted">(superseded or cancelled)</span></dd>
<dt>Webhook to ready</dt><dd>${total.readyMedianMs === null
    ? html`<span class="muted">— no deployment a webhook started succeeded</span>`
    : html`median ${readyText(total)} over ${total.readyCount} <span class="muted">(from the delivery's arrival to the deployment's success)</span>`}</dd>
</dl>
<div class="charts">
<figure><h2>Deployments per hour</h2>${outcomes}<figcaption><ul class="legend"><li><span class="swatch s-success"></span>succeeded</li><li><span class="swatch s-failure"></span>failed</li><li><span class="swatch s-inactive"></span>other</li></ul></figcaption></figure>
<figure><h2>Webhook to ready</h2>${ready}<figcaption class="muted">The median per hour; no bar: no deployment a webhook started succeeded that hour.</figcaption></figure>
</div>
<div class="visually-hidden"><table><caption>Per hour (UTC): deployments by outcome, and the median webhook-to-ready time</caption>
<thead><tr><th scope="col">Hour</th><th scope="col">Succeeded</th><th scope="col">Failed</th><th scope="col">Other</th><th scope="col">Median webhook to ready</th><th scope="col">Of</th></tr></thead>
<tbody>${rows}</tbody></table></div>
</div>`;
}
