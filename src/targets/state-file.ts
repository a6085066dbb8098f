import { readFile } from 'node:fs/promises';

/**
 * A target's JSON state file, parsed: `undefined` when there is no such file, `null` when its
 * text is not JSON (the caller refuses it with a message that names the file).
 */
export async function readStateFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
