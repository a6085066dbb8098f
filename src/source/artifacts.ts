import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { SourceError } from './errors.js';

export interface UnpackLimits {
  /** Uncompressed bytes of all entries together, both as declared and as actually written. */
  maxBytes: number;
  /** Entries in the zip, folders included. */
  maxFiles: number;
}

/** File type bits of a unix mode (`externalFileAttributes >>> 16`). */
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** An entry larger than this that expands more than MAX_RATIO times is taken for a zip bomb. */
const RATIO_FROM_BYTES = 1024 * 1024;
const MAX_RATIO = 1000;

/** yauzl's own refusals of entry names (strictFileNames): "absolute path: /etc/passwd". */
const YAUZL_NAME_ERROR = /^(?:invalid characters in fileName|absolute path|invalid relative path): (.*)$/s;

interface Planned {
  entry: Entry;
  name: string;
  target: string;
  folder: boolean;
  mode: number;
}

/**
 * Unpacks an artifact zip into `dir`, which must be empty or absent. Every entry is checked
 * before anything is written (names, types, declared sizes, counts), and bytes are counted
 * again as they are written, since headers can lie. On any failure `dir` is removed, so no
 * half-unpacked artifact remains. Throws SourceError `artifact_unsafe`, `artifact_too_large`,
 * `artifact_invalid` or `dir_conflict`.
 */
export async function unpackZip(zipFile: string, dir: string, limits: UnpackLimits): Promise<void> {
  const root = resolve(dir);
  await claim(root);
  let zip: ZipFile | undefined;
  try {
    zip = await yauzl
      .openPromise(zipFile, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true })
      .catch((error: unknown) => {
        throw zipError(error, root);
      });
    const plan = await scan(zip, root, limits);
    await extract(zip, plan, limits.maxBytes);
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  } finally {
    zip?.close();
  }
}

/** Creates `root`, refusing a folder that holds anything: slipway deletes only what it made. */
async function claim(root: string): Promise<void> {
  const conflict = () =>
    new SourceError('dir_conflict', `${root} exists and is not an empty folder; slipway unpacks artifacts into empty folders only: move it away or choose another folder`);
  await mkdir(root, { recursive: true }).catch(() => {
    throw conflict();
  });
  if ((await readdir(root)).length > 0) throw conflict();
}

async function scan(zip: ZipFile, root: string, limits: UnpackLimits): Promise<Planned[]> {
  if (zip.entryCount > limits.maxFiles) {
    throw new SourceError('artifact_too_large', `the artifact has ${zip.entryCount} entries, more than the limit of ${limits.maxFiles}; raise the limit or put fewer files in the artifact`);
  }
  const plan: Planned[] = [];
  let declared = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      const refuse = (code: 'artifact_unsafe' | 'artifact_invalid', what: string) =>
        new SourceError(code, `artifact entry ${JSON.stringify(name)} ${what}; nothing was deployed`);
      const reason = unsafeName(name, root);
      if (reason !== null) throw refuse('artifact_unsafe', reason);
      const unixMode = entry.externalFileAttributes >>> 16;
      const type = unixMode & S_IFMT;
      if (type === S_IFLNK) throw refuse('artifact_unsafe', 'is a symbolic link; artifacts may hold plain files and folders only');
      if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) throw refuse('artifact_unsafe', 'is not a plain file or folder');
      const folder = name.endsWith('/') || type === S_IFDIR;
      if (entry.isEncrypted()) throw refuse('artifact_invalid', 'is encrypted');
      if (!folder && !entry.canDecodeFileData()) {
        throw refuse('artifact_invalid', `uses compression method ${entry.compressionMethod}, which slipway cannot read (only store and deflate)`);
      }
      declared += entry.uncompressedSize;
      if (declared > limits.maxBytes) throw tooLarge(limits.maxBytes, `its entries declare at least ${declared}`);
      if (entry.uncompressedSize > RATIO_FROM_BYTES && entry.uncompressedSize > MAX_RATIO * entry.compressedSize) {
        throw refuse('artifact_unsafe', `expands ${entry.compressedSize} bytes to ${entry.uncompressedSize}, more than ${MAX_RATIO} times: a zip bomb`);
      }
      const mode = (unixMode & 0o111) === 0 ? 0o644 : 0o755;
      plan.push({ entry, name, target: resolve(root, name), folder, mode });
    }
  } catch (error) {
    throw zipError(error, root);
  }
  return plan;
}

async function extract(zip: ZipFile, plan: Planned[], maxBytes: number): Promise<void> {
  let written = 0;
  const count = async function* (chunks: AsyncIterable<Buffer>) {
    for await (const chunk of chunks) {
      written += chunk.length;
      if (written > maxBytes) throw tooLarge(maxBytes, 'more than its headers declare');
      yield chunk;
    }
  };
  for (const item of plan) {
    try {
      if (item.folder) {
        await mkdir(item.target, { recursive: true });
        continue;
      }
      await mkdir(dirname(item.target), { recursive: true });
      const data = await zip.openReadStreamPromise(item.entry);
      // `wx`: an entry never overwrites another one (a duplicate name is a clash, below).
      await pipeline(data, count, createWriteStream(item.target, { flags: 'wx', mode: item.mode }));
      await chmod(item.target, item.mode);
    } catch (error) {
      throw entryError(error, item.name);
    }
  }
}

/** Why `name` must not be unpacked under `root`, or null. */
function unsafeName(name: string, root: string): string | null {
  if (name.includes('\0')) return 'has a NUL character in its name';
  if (name.includes('\\')) return 'has a backslash in its name (zip names separate folders with "/")';
  const target = resolve(root, name);
  const outside = isAbsolute(name) || /^[a-zA-Z]:/.test(name) || name.split('/').includes('..') || !(target === root || target.startsWith(root + sep));
  return outside ? 'points outside the folder' : null;
}

function tooLarge(maxBytes: number, detail: string): SourceError {
  return new SourceError('artifact_too_large', `the artifact unpacks to more than the limit of ${maxBytes} bytes (${detail}); raise the limit or make the artifact smaller`);
}

/** A failure while reading the zip: yauzl's name refusals become `artifact_unsafe`, the rest `artifact_invalid`. */
function zipError(error: unknown, root: string): unknown {
  if (error instanceof SourceError || isSystemError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const refused = YAUZL_NAME_ERROR.exec(message);
  if (refused?.[1] !== undefined) {
    const name = refused[1];
    const reason = unsafeName(name, root) ?? 'has a name slipway refuses';
    return new SourceError('artifact_unsafe', `artifact entry ${JSON.stringify(name)} ${reason}; nothing was deployed`, { cause: error });
  }
  return new SourceError('artifact_invalid', `the artifact is not a zip file or is damaged (${message}); nothing was deployed`, { cause: error });
}

/** A failure while writing one entry: clashing names and corrupt data are `artifact_invalid`. */
function entryError(error: unknown, name: string): unknown {
  if (error instanceof SourceError) return error;
  const quoted = JSON.stringify(name);
  if (isSystemError(error)) {
    if (!['EEXIST', 'ENOTDIR', 'EISDIR'].includes(error.code ?? '')) return error;
    return new SourceError('artifact_invalid', `artifact entry ${quoted} clashes with another entry of the same path; nothing was deployed`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SourceError('artifact_invalid', `artifact entry ${quoted} is damaged (${message}); nothing was deployed`, { cause: error });
}

/** An error of the file system (it names a syscall), as opposed to one about the zip's contents. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}
