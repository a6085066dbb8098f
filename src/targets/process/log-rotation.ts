import { copyFile, rename, rm, stat, truncate } from 'node:fs/promises';

/**
 * Rotates a release's log, which the release itself appends to (its output goes straight to
 * the file, so it survives slipway): past `maxBytes` the file is copied to `<file>.1` (older
 * copies move to `.2` … `.<keep>`, the oldest is dropped) and truncated in place, where the
 * release goes on appending. Lines written between the copy and the truncation are lost, as
 * with logrotate's copytruncate. True when it rotated.
 */
export async function rotateLog(file: string, maxBytes: number, keep: number): Promise<boolean> {
  const size = await stat(file).then((info) => info.size, () => 0);
  if (size <= maxBytes) return false;
  if (keep > 0) {
    await rm(`${file}.${keep}`, { force: true });
    for (let n = keep - 1; n >= 1; n -= 1) await rename(`${file}.${n}`, `${file}.${n + 1}`).catch(() => undefined);
    await copyFile(file, `${file}.1`);
  }
  await truncate(file, 0);
  return true;
}
