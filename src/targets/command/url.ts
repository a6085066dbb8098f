import { createHash } from 'node:crypto';

/** Placeholders a `url` template may use. */
export const URL_PLACEHOLDERS = ['app', 'env', 'pr', 'branch', 'sha'] as const;
export type UrlPlaceholder = (typeof URL_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Placeholders in `template` that are not in URL_PLACEHOLDERS (for config validation). */
export function unknownPlaceholders(template: string): string[] {
  const names = [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
  return [...new Set(names.filter((name) => !(URL_PLACEHOLDERS as readonly string[]).includes(name)))];
}

export interface UrlValues {
  app: string;
  env: string;
  pr: number | null;
  branch: string | null;
  sha: string;
}

/**
 * Fills a url template. Every value is a DNS label (`branch` is slugged), so payload text
 * cannot change the URL's shape. Returns null when the template uses `{pr}` or `{branch}`
 * and this environment has none: no URL is better than a wrong one.
 */
export function renderUrl(template: string, values: UrlValues): string | null {
  const filled: Record<UrlPlaceholder, string | null> = {
    app: values.app,
    env: values.env,
    pr: values.pr === null ? null : String(values.pr),
    branch: values.branch === null ? null : toLabel(values.branch),
    sha: values.sha.toLowerCase(),
  };
  let missing = false;
  const url = template.replace(PLACEHOLDER, (whole, name: string) => {
    if (!Object.hasOwn(filled, name)) return whole;
    const value = filled[name as UrlPlaceholder];
    if (value === null || value === '') missing = true;
    return value ?? '';
  });
  return missing ? null : url;
}

/**
 * Text as a DNS label: lowercase `[a-z0-9-]`, no leading or trailing `-`, at most 63
 * characters, with a short hash of the original when shortened.
 */
export function toLabel(text: string): string {
  const label = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (label.length <= 63) return label;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${label.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}
