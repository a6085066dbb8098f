import { URL_PLACEHOLDERS } from '../config/targets.js';
import { dnsLabel } from '../names.js';

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
    branch: values.branch === null ? null : dnsLabel(values.branch),
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
