import { escapeHtml } from '../router/pages.js';

/** Markup that is already safe: made by `html` (whose values were escaped) or by `raw` from trusted text. */
export class Html {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

/** What a template takes: markup, text (escaped), numbers, lists of these, and nothing (null, undefined, false). */
export type Content = Html | string | number | null | undefined | false | readonly Content[];

/**
 * A template whose values are escaped unless they are `Html` already, so a value from the
 * store, a payload or a request can never become markup.
 */
export function html(strings: TemplateStringsArray, ...values: Content[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, index) => {
    text += render(value) + (strings[index + 1] ?? '');
  });
  return new Html(text);
}

/** Trusted markup as it is: constants of slipway's own, never request or store text. */
export function raw(text: string): Html {
  return new Html(text);
}

function render(value: Content): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return (value as readonly Content[]).map(render).join('');
  return escapeHtml(String(value as string | number));
}
