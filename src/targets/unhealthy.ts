import type { Health, HealthOutcome } from './health.js';
import { portHint } from './port-hints.js';

const tried = (tries: number) => (tries === 1 ? 'its only try' : `last of ${tries} tries`);

/**
 * Why a release did not become healthy, as the middle of its error message (before its last
 * output): what the last probe saw, and when nothing answered on `port` (the PORT the app was
 * given), what its `output` says about the port it listens on instead.
 */
export function whyUnhealthy(outcome: HealthOutcome, health: Health, port: number, output: string, inContainer: boolean): string {
  const { last, tries } = outcome;
  if (outcome.result === 'foreign') return `; port ${port} answered, but from another process, which holds it`;
  if (last === null) return '';
  const what = `GET ${health.path ?? '/'}`;
  switch (last.kind) {
    case 'refused':
      return `; nothing answered on PORT=${port} (${tries} ${tries === 1 ? 'try' : 'tries'})${portHint(output, port, inContainer)}`;
    case 'closed':
      return `; ${what} was taken and closed without an answer (${tried(tries)}): is it HTTP on PORT=${port}?`;
    case 'silent':
      return `; ${what} was taken but not answered in time (${tried(tries)})`;
    case 'answered':
      return `; ${what} answered ${last.status} (${tried(tries)})${last.body === '' ? '' : `: ${JSON.stringify(last.body)}`}`;
    case 'healthy':
      return '';
  }
}
