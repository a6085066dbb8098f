/** Lines of output shown when a build or a container fails. */
const TAIL_LINES = 20;
const LINE_CHARS = 500;

/** Indents the last TAIL_LINES lines of `text` for an error message; null when there are none. */
export function lastLines(text: string): string | null {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, '')).filter((line) => line.trim() !== '');
  if (lines.length === 0) return null;
  return lines
    .slice(-TAIL_LINES)
    .map((line) => `  ${line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS)}…` : line}`)
    .join('\n');
}

/** The last lines of a build's or pull's output as it streams, and the error it ended with. */
export class OutputTail {
  private text = '';
  failure: string | null = null;

  add(text: string): void {
    this.text = (this.text + text).slice(-64 * 1024);
  }

  fail(message: string): void {
    this.failure = message.trim();
  }

  /** `; its last output:\n  …` for an error message, or '' when there was none. */
  describe(): string {
    const lines = lastLines(this.text);
    return lines === null ? '' : `; its last output:\n${lines}`;
  }
}
