import { describeIntent, describeSignal, matchedEnvironments, type Explanation } from '../policy/explain.js';
import { html, type Html } from './html.js';

/**
 * What `slipway explain --event E --payload FILE` prints, as HTML: the CI signal the event
 * reports, each rule's decision and why, and what slipway would do.
 */
export function explanationView(explanation: Explanation): Html {
  const { event, action, repository, decisions, intents, signal, note } = explanation;
  const decisionRows = decisions.map((decision) => html`<tr><td>${decision.app}</td><td>${decision.environment}</td>
<td><span class="state ${decision.matched ? 's-success' : 's-inactive'}">${decision.matched ? 'yes' : 'no'}</span></td><td>${decision.reason}</td></tr>`);
  const outcome = intents.length === 0
    ? html`<p>Nothing matches: slipway would change no environment.</p>`
    : html`<p>Matches: ${matchedEnvironments(intents).join(', ')}</p><p>slipway would:</p><ul class="intents">${intents.map((intent) => html`<li>${describeIntent(intent)}</li>`)}</ul>`;
  return html`<p><code>${event}${action === null ? '' : `.${action}`}</code>${repository === null ? '' : html` for ${repository}`}</p>
${signal === null ? '' : html`<p>${describeSignal(signal)}</p>`}
${decisions.length === 0 ? '' : html`<div class="table-wrap"><table class="decisions"><caption class="visually-hidden">Each configured environment's rule: whether it matches and why</caption>
<thead><tr><th scope="col">App</th><th scope="col">Environment</th><th scope="col">Match</th><th scope="col">Why</th></tr></thead><tbody>${decisionRows}</tbody></table></div>`}
${note === null ? '' : html`<p>${note}.</p>`}
${outcome}`;
}
