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
