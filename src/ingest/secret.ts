import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** The file in the data folder holding the webhook secret slipway generated. */
export const SECRET_FILE = 'webhook-secret';

/**
 * A secret slipway made for itself when none is configured (the webhook secret, the API token):
 * created once as `<dataDir>/<name>`, readable only by this user, and reused on every later start.
 */
export function loadOrCreateSecret(dataDir: string, name: string): { secret: string; file: string; created: boolean } {
  const file = join(dataDir, name);
  const existing = readSecretFile(file);
  if (existing !== undefined) return { secret: existing, file, created: false };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'w' });
  return { secret, file, created: true };
}

/** The secret in `file`; undefined when the file is missing or empty. */
export function readSecretFile(file: string): string | undefined {
  try {
    const secret = readFileSync(file, 'utf8').trim();
    return secret.length > 0 ? secret : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return undefined;
  }
}
