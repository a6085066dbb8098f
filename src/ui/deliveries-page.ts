import { ESSENTIAL_EVENTS } from '../events/normalize.js';
import { DELIVERY_STATUSES, type DeliverySummary } from '../store/store.js';
import { html, type Html } from './html.js';
import { deliveryPath, eventText, stateWord } from './delivery-parts.js';
import { timeText } from './layout.js';

/** The listing's query as the URL gave it (kept in the form and in the pager's links). */
export interface DeliveryFilters {
  event: string;
  repo: string;
  status: string;
  /** A page size other than the default, when the URL gave one. */
  limit: string;
}

export interface DeliveryListing {
  filters: DeliveryFilters;
  /** Newest first. */
  deliveries: DeliverySummary[];
  /** The `before` of the next (older) page; null on the last page. */
  next: string | null;
  /** This is not the first page. */
  older: boolean;
  /** Why the query could not be used; null when it could. */
  problem: string | null;
}

/**
 * The inbox: a filter form (outside the live part, so typing is not lost), then the deliveries
 * newest first with their status and error, and links to older pages.
 */
export function deliveriesPage(listing: DeliveryListing): Html {
  const { filters } = listing;
  const statuses = ['', ...DELIVERY_STATUSES].map((status) =>
    html`<option value="${status}"${status === filters.status ? html` selected` : ''}>${status === '' ? 'any' : status}</option>`);
  const form = html`<form class="filters" method="get" action="/deliveries">
<label for="f-event">Event<input id="f-event" name="event" value="${filters.event}" list="f-events" autocomplete="off"></label>
<datalist id="f-events">${ESSENTIAL_EVENTS.map((event) => html`<option value="${event}">`)}</datalist>
<label for="f-repo">Repository<input id="f-repo" name="repo" value="${filters.repo}" placeholder="owner/name" autocomplete="off"></label>
<label for="f-status">Status<select id="f-status" name="status">${statuses}</select></label>
${filters.limit === '' ? '' : html`<input type="hidden" name="limit" value="${filters.limit}">`}
<button type="submit">Filter</button><a href="/deliveries">Clear</a></form>`;
  const body = listing.problem === null
    ? html`${table(listing.deliveries, filters)}${pager(listing, filters)}`
    : html`<p class="problem" role="alert">${listing.problem}</p><p><a href="/deliveries">All deliveries</a></p>`;
  return html`<h1>Deliveries</h1>
${form}
<div data-live="deliveries">${body}</div>`;
}

function table(deliveries: DeliverySummary[], filters: DeliveryFilters): Html {
  if (deliveries.length === 0) {
    const filtered = filters.event !== '' || filters.repo !== '' || filters.status !== '';
    return html`<p class="muted">${filtered ? 'No delivery matches these filters.' : 'No deliveries yet: GitHub sends them to /webhooks/github.'}</p>`;
  }
  const rows = deliveries.map((delivery) => html`<tr>
<td>${timeText(delivery.receivedAt)}</td><td>${eventText(delivery)}</td><td>${delivery.repository ?? '—'}</td>
<td>${stateWord(delivery.status)}</td><td>${delivery.error ?? ''}</td>
<td><a href="${deliveryPath(delivery.id)}"><code>${delivery.id}</code></a></td></tr>`);
  return html`<div class="table-wrap"><table><caption class="visually-hidden">Deliveries, newest first</caption>
<thead><tr><th scope="col">Received</th><th scope="col">Event</th><th scope="col">Repository</th><th scope="col">Status</th><th scope="col">Error</th><th scope="col">Delivery</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

/** "Newest" back to the first page, "Older" on to the next; both keep the filters. */
function pager(listing: DeliveryListing, filters: DeliveryFilters): Html | '' {
  if (!listing.older && listing.next === null) return '';
  const link = (before: string | null) => {
    const params = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ''));
    if (before !== null) params.set('before', before);
    const query = params.toString();
    return `/deliveries${query === '' ? '' : `?${query}`}`;
  };
  return html`<nav class="pager" aria-label="Pages">${listing.older ? html`<a href="${link(null)}">Newest</a>` : ''}${listing.next === null ? '' : html`<a href="${link(listing.next)}" rel="next">Older</a>`}</nav>`;
}
