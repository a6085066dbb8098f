/**
 * Text an app wrote (its output, its health check's answer) as one plain line for a
 * deployment's error: what slipway shows there travels on to the API, GitHub and terminals,
 * so nothing in it may move a cursor, clear a screen, forge a line or reorder what is shown.
 */

/** Terminal escape sequences: CSI (`ESC [ … letter`, colours and cursor moves), OSC (`ESC ] … BEL or ESC \`), and the two-character ones. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;
/** C0 (newline and tab included), DEL, C1, and the bidi embeddings, overrides and isolates. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` without terminal escapes; every other control character becomes a space. Lines stay apart. */
export function withoutEscapes(text: string): string {
  return text.replace(ESCAPES, '').replace(CONTROL, (char) => (char === '\n' ? char : ' '));
}

/** `text` as one line of at most `max` characters (`…` when cut): escapes dropped, controls and runs of spaces made one space. */
export function plainLine(text: string, max: number): string {
  const line = withoutEscapes(text).replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  // Not half of a surrogate pair at the cut.
  return `${line.slice(0, max - 1).replace(/[\ud800-\udbff]$/, '')}…`;
}
