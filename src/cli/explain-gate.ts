import type { GateReport } from '../http/gate-route.js';
import { formatDuration } from '../config/duration.js';
import type { ApiClient } from './client.js';
import { segment } from './client.js';
import { formatTable } from './table.js';
import { text } from './format.js';

/** `slipway explain APP ENV [--sha SHA]`: the gate's required signals for a commit, from the server. */
export async function explainGate(client: ApiClient, app: string, name: string, sha: string | undefined): Promise<GateReport> {
  return (await client.get(`/api/environments/${segment(app)}/${segment(name)}/gate`, { sha })) as GateReport;
}

/** One line per element, for `print`. */
export function renderGate(report: GateReport): string[] {
  const { gate, verdict } = report;
  const rows = verdict.requirements.map((r) => [r.kind.replace('_', ' '), r.name, r.state, text(r.conclusion), text(r.url)]);
  return [
    `${report.app}/${report.env} at ${report.sha}: gate ${verdict.state} (timeout ${formatDuration(gate.timeoutMs)})`,
    '',
    ...formatTable(['SIGNAL', 'NAME', 'STATE', 'CONCLUSION', 'URL'], rows, 400),
    '',
    `${verdict.summary}.`,
  ];
}
