import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const SECRET_FILE = 'webhook-secret';

/**
 * The webhook secret slipway made for itself when none is configured: created once in the
 * data folder, readable only by this user, and reused on every later start.
 */
export function loadOrCreateSecret(dataDir: string): { secret: string; file: string; created: boolean } {
  const file = join(dataDir, SECRET_FILE);
  try {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length > 0) return { secret, file, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'w' });
  return { secret, file, created: true };
}
