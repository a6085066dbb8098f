import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from '../router/pages.js';
import type { DeploymentDetail } from '../domain/environments.js';
import type { EnvironmentStore } from '../store/store.js';
import { findDeployment } from './environment-routes.js';

/** GET /deployments/:id — a deployment as a page (GitHub links here as its log): what, where, its timeline and log. */
export function deploymentPageRoute(store: EnvironmentStore) {
  return async (_request: IncomingMessage, response: ServerResponse, _url: URL, id: string): Promise<void> => {
    const body = deploymentPage(await findDeployment(store, id));
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  };
}

/** The page's HTML; every value from the store is escaped. */
export function deploymentPage(deployment: DeploymentDetail): string {
  const text = (value: string | number | null) => (value === null ? '—' : escapeHtml(String(value)));
  const time = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString());
  const title = `Deployment ${deployment.id}: ${deployment.app}/${deployment.env}`;
  const facts: [string, string][] = [
    ['App', text(deployment.app)],
    ['Environment', text(deployment.env)],
    ['Commit', `<code>${text(deployment.sha)}</code>`],
    ['Ref', text(deployment.ref)],
    ['State', text(deployment.state)],
    ['Error', text(deployment.error)],
    ['Created', time(deployment.createdAt)],
    ['Finished', time(deployment.finishedAt)],
  ];
  const timeline = deployment.timeline
    .map((entry) => `<tr><td>${time(entry.at)}</td><td>${text(entry.state)}</td><td>${text(entry.message)}</td></tr>`)
    .join('');
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    '<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}' +
    'th{text-align:left;padding-right:1em}td{padding-right:1em;vertical-align:top}pre{background:#f4f4f4;padding:1em;overflow:auto}</style>' +
    `</head><body><h1>${escapeHtml(title)}</h1>` +
    `<table>${facts.map(([name, value]) => `<tr><th>${name}</th><td>${value}</td></tr>`).join('')}</table>` +
    `<h2>Timeline</h2><table>${timeline}</table>` +
    `<h2>Log</h2><pre>${deployment.log === '' ? '(empty)' : escapeHtml(deployment.log)}</pre></body></html>\n`
  );
}
