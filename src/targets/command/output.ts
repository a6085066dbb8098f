import { StringDecoder } from 'node:string_decoder';

/** A line longer than this is passed on without waiting for its end. */
const MAX_PARTIAL = 64 * 1024;

/** Byte counts as people read them: `512 B`, `1 MiB`, `3.2 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}

class LineStream {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(private readonly emit: (text: string) => void) {}

  write(bytes: Buffer): void {
    this.partial += this.decoder.write(bytes);
    const end = this.partial.lastIndexOf('\n');
    if (end >= 0) {
      this.emit(this.partial.slice(0, end + 1));
      this.partial = this.partial.slice(end + 1);
    }
    if (this.partial.length > MAX_PARTIAL) this.flush(false);
  }

  /** Passes on what is held; `endLine` closes an unfinished line. */
  flush(endLine: boolean): void {
    this.partial += this.decoder.end();
    if (this.partial === '') return;
    this.emit(endLine && !this.partial.endsWith('\n') ? `${this.partial}\n` : this.partial);
    this.partial = '';
  }
}

/**
 * The output of one run (stdout and stderr together), passed to `log` line by line as it
 * comes, keeping at most `limit` bytes; past that, one note says the output was cut, and
 * `end` says how much was not kept.
 */
export class BoundedOutput {
  private readonly streams = new Map<string, LineStream>();
  private kept = 0;
  private dropped = 0;

  constructor(
    private readonly log: (text: string) => void,
    private readonly limit: number,
    private readonly note: (text: string) => string,
  ) {}

  write(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (this.dropped > 0) {
      this.dropped += chunk.length;
      return;
    }
    const room = this.limit - this.kept;
    const keep = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.kept += keep.length;
    if (keep.length > 0) this.line(stream).write(keep);
    if (keep.length < chunk.length) {
      this.dropped = chunk.length - keep.length;
      for (const lines of this.streams.values()) lines.flush(true);
      this.log(this.note(`output cut at ${formatBytes(this.limit)}; the rest is not kept`));
    }
  }

  end(): void {
    for (const lines of this.streams.values()) lines.flush(true);
    if (this.dropped > 0) this.log(this.note(`${formatBytes(this.dropped)} of output not kept`));
  }

  private line(stream: string): LineStream {
    let lines = this.streams.get(stream);
    if (lines === undefined) {
      lines = new LineStream(this.log);
      this.streams.set(stream, lines);
    }
    return lines;
  }
}
