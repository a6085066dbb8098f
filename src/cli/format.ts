import type { Deployment } from '../domain/environments.js';

/** How the API commands print values: times in UTC to the second, absent values as "-". */

export function time(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The first 12 characters of a sha, as git abbreviates for people. */
export function shortSha(sha: string | null): string {
  return sha === null ? '-' : sha.slice(0, 12);
}

export function text(value: string | number | null): string {
  return value === null || value === '' ? '-' : String(value);
}

/** `1.2s`, `3m04s`, or "-" while unfinished. */
export function duration(from: number | null, to: number | null): string {
  if (from === null || to === null) return '-';
  const seconds = Math.max(0, (to - from) / 1000);
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
}

/** The first line of a value, for a table cell (the rest is printed under the table). */
export function firstLine(value: string | null): string {
  return text(value === null ? null : (value.split('\n')[0] ?? ''));
}

/**
 * Lines for under a table of deployments (newest first): the whole error of the newest one
 * that failed, its further lines (the last lines of output it quotes) indented, and where its
 * log is; none when none failed.
 */
export function failureLines(app: string, env: string, deployments: readonly Pick<Deployment, 'id' | 'state' | 'error'>[]): string[] {
  const failed = deployments.find((d) => (d.state === 'failure' || d.state === 'error') && d.error !== null);
  if (failed === undefined || failed.error === null) return [];
  const [first, ...rest] = failed.error.split('\n');
  return [
    '',
    `deployment ${failed.id} ended ${failed.state}: ${first ?? ''}`,
    ...rest.map((line) => `  ${line}`),
    `its log: slipway logs ${app} ${env} --deployment ${failed.id}`,
  ];
}
