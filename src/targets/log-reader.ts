import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';

/** How often a followed log is looked at for what was added. */
const FOLLOW_MS = 200;
/** The most read back from the end of a log for its last lines. */
const MAX_TAIL_BYTES = 4 * 1024 * 1024;
const BLOCK = 64 * 1024;

export interface ReadLogOptions {
  /** How many of the last lines to start with (0: none, only what comes next). */
  lines: number;
  /** Pass on what is appended until `ended()` says the release is over or `signal` fires. */
  follow: boolean;
  signal: AbortSignal;
  /** True once nothing more will be written to the file (its release was replaced, stopped or destroyed). */
  ended: () => boolean;
}

/**
 * A release's log as text: its last `lines` lines (from the rotated copy `<file>.1` too when
 * the file holds fewer), then, when following, what the release appends, looked at every
 * FOLLOW_MS. A file truncated by a rotation is read again from its start. The text is whole
 * UTF-8 characters; lines are cut only where the file ends.
 */
export async function* readLog(file: string, options: ReadLogOptions): AsyncGenerator<string> {
  const handle = await open(file, 'r').catch(() => null);
  if (handle === null) return;
  try {
    let position = (await handle.stat()).size;
    const earlier = await lastLines(file, handle, position, options.lines);
    if (earlier !== '') yield earlier;
    if (!options.follow) return;
    const decoder = new StringDecoder('utf8');
    const buffer = Buffer.alloc(BLOCK);
    for (;;) {
      // Seen before the last read, so what the release wrote before it ended is passed on.
      const over = options.ended() || options.signal.aborted;
      const size = (await handle.stat()).size;
      if (size < position) position = 0;
      while (position < size) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(BLOCK, size - position), position);
        if (bytesRead === 0) break;
        position += bytesRead;
        const text = decoder.write(buffer.subarray(0, bytesRead));
        if (text !== '') yield text;
      }
      if (over) {
        const rest = decoder.end();
        if (rest !== '') yield rest;
        return;
      }
      await sleep(FOLLOW_MS, undefined, { signal: options.signal }).catch(() => undefined);
    }
  } finally {
    await handle.close();
  }
}

/** The last `count` lines of the file open as `handle` (of `size` bytes), topped up from `<file>.1`. */
async function lastLines(file: string, handle: FileHandle, size: number, count: number): Promise<string> {
  if (count <= 0) return '';
  const lines = await tailOf(handle, size, count);
  if (lines.length >= count) return lines.join('');
  const older = await open(`${file}.1`, 'r').catch(() => null);
  if (older === null) return lines.join('');
  try {
    const before = await tailOf(older, (await older.stat()).size, count - lines.length);
    // The rotated copy may end in the middle of a line: it is one line of its own here.
    const last = before.length - 1;
    if (last >= 0 && !(before[last] ?? '').endsWith('\n')) before[last] = `${before[last] ?? ''}\n`;
    return [...before, ...lines].join('');
  } finally {
    await older.close();
  }
}

/** The last `count` lines of a file (each with its newline, the last one maybe without), reading back at most MAX_TAIL_BYTES. */
async function tailOf(handle: FileHandle, size: number, count: number): Promise<string[]> {
  const parts: Buffer[] = [];
  let start = size;
  let newlines = 0;
  const floor = Math.max(0, size - MAX_TAIL_BYTES);
  // One newline more than lines asked: the line before the first one shown must end in the part read.
  while (start > floor && newlines <= count) {
    const from = Math.max(floor, start - BLOCK);
    const part = Buffer.alloc(start - from);
    await handle.read(part, 0, part.length, from);
    parts.unshift(part);
    for (const byte of part) if (byte === 0x0a) newlines += 1;
    start = from;
  }
  const text = Buffer.concat(parts).toString('utf8');
  const lines = text.split(/(?<=\n)/);
  // Read from the middle of the file: its first line is only the end of one.
  if (start > 0) lines.shift();
  return lines.filter((line) => line !== '').slice(-count);
}
