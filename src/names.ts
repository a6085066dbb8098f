import { createHash } from 'node:crypto';

/** The longest DNS label. */
export const MAX_NAME_LENGTH = 63;
const HASH_LENGTH = 8;

/** What fills a name template's placeholders. */
export interface NameValues {
  number?: number | string;
  branch?: string;
  app?: string;
}

const PLACEHOLDER = /\{(number|branch|app)\}/g;

/** Lowercase; anything outside `[a-z0-9-]` becomes `-`; runs of `-` collapse; no `-` at either end. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * Fills `{number}`, `{branch}` and `{app}` in `template`, then slugs the result to a DNS label
 * (at most 63 characters, never empty). Names are unique per source: whenever slugging changed
 * the filled name (`feature/Login`, `release/1.2`, a value that slugged to nothing, a name too
 * long), a prefix is kept and `-` plus 8 hex of the sha256 of the filled, unslugged name is
 * appended, so `a/b-c`, `a-b/c` and `a-b-c` get three names. A name slugging leaves alone
 * (`pr-7`, `br-main`) is kept as it is. Throws when the template uses a placeholder `values`
 * lacks (a programming error).
 */
export function slugName(template: string, values: NameValues): string {
  const filled = template.replace(PLACEHOLDER, (_match, key: keyof NameValues) => {
    const value = values[key];
    if (value === undefined) throw new TypeError(`slugName: no value for {${key}} in "${template}"`);
    return String(value);
  });
  return label(filled, slug(filled) !== filled);
}

/**
 * One value as a DNS label (a branch in a URL): slugged, with the hash only when it had to be
 * shortened or slugged to nothing, so it stays readable (`Feature/Login` → `feature-login`).
 */
export function dnsLabel(text: string): string {
  return label(text, text !== '' && slug(text) === '');
}

function label(text: string, hashed: boolean): string {
  const slugged = slug(text);
  if (!hashed && slugged !== '' && slugged.length <= MAX_NAME_LENGTH) return slugged;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
  const prefix = slugged.slice(0, MAX_NAME_LENGTH - HASH_LENGTH - 1).replace(/-+$/, '');
  return prefix === '' ? hash : `${prefix}-${hash}`;
}

/** GitHub environment names are case-insensitive; a template (`pr-{number}`) matches the names it makes. */
export function nameFits(template: string, name: string): boolean {
  const wanted = name.toLowerCase();
  if (!template.includes('{')) return template === wanted;
  const pattern = template
    .split(/(\{[^{}]*\})/)
    .map((part) => (part.startsWith('{') ? '[a-z0-9-]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${pattern}$`).test(wanted);
}

