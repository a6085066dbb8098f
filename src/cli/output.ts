/**
 * Everything the CLI prints goes through here. Text from outside (payloads, repositories,
 * the server's messages) may hold characters a terminal acts on: escape sequences that clear
 * the screen or move the cursor, a carriage return or newline that forges a row, bidi
 * overrides that reorder what is shown. They come out as visible escapes instead.
 */

/** C0 (newline and tab included), DEL, C1, and the bidi embeddings, overrides and isolates. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw of those: it escapes C0 itself. */
const CONTROL_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const hex = (char: string, digits: number) => char.charCodeAt(0).toString(16).padStart(digits, '0');

/** `text` with each control character written as `\x1b` (up to U+00FF) or `\u202e`. */
export function visible(text: string): string {
  return text.replace(CONTROL, (char) => (char.charCodeAt(0) <= 0xff ? `\\x${hex(char, 2)}` : `\\u${hex(char, 4)}`));
}

/** Prints lines to standard output: each argument is one line, whatever it holds. */
export function print(...lines: string[]): void {
  console.log(lines.map(visible).join('\n'));
}

/** Prints text of slipway's own over several lines (help, notices): one line per newline in it. */
export function printBlock(text: string): void {
  print(...text.split('\n'));
}

/**
 * Prints `slipway: <message>` to standard error. slipway's messages put a hint on a line of
 * its own; text from outside is made `visible()` where it enters a message.
 */
export function printError(message: string): void {
  console.error(`slipway: ${message}`.split('\n').map(visible).join('\n'));
}

/**
 * `value` as `--json` prints it: JSON.stringify escapes C0 in strings; DEL, C1 and bidi
 * characters are escaped too (`\u009b`), so the text is the same JSON value and safe on a terminal.
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(CONTROL_IN_JSON, (char) => `\\u${hex(char, 4)}`);
}

export function printJson(value: unknown): void {
  console.log(jsonText(value));
}

/** A line longer than this is printed without waiting for its end. */
const MAX_PARTIAL = 64 * 1024;

/**
 * Prints text from outside that arrives in parts (a log as it streams): a newline (or CRLF)
 * ends a line, and each line is printed made `visible()`, so the text can start no escape
 * sequence and move no cursor. A line is held until its end arrives, or `end()`.
 */
export class LinePrinter {
  private readonly decoder = new TextDecoder();
  private partial = '';

  write(bytes: Uint8Array): void {
    const lines = (this.partial + this.decoder.decode(bytes, { stream: true })).split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > MAX_PARTIAL) {
      lines.push(this.partial);
      this.partial = '';
    }
    if (lines.length > 0) print(...lines.map((line) => line.replace(/\r$/, '')));
  }

  /** Prints the unfinished line, if any. */
  end(): void {
    const rest = this.partial + this.decoder.decode();
    this.partial = '';
    if (rest !== '') print(rest);
  }
}
