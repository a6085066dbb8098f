import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SlipwayError } from '../../errors.js';

const ID = /^[a-f0-9]{16}$/;

/**
 * This slipway's id on the Docker Engine, made once and kept in its state folder: what it
 * makes is labelled with it, so two slipways sharing an engine never adopt or remove each
 * other's containers.
 */
export function instanceId(stateDir: string): string {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = join(stateDir, 'instance-id');
  try {
    writeFileSync(file, `${randomBytes(8).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const id = readFileSync(file, 'utf8').trim();
  if (!ID.test(id)) {
    throw new SlipwayError('target_state_unreadable', `${file} does not hold a docker target id (16 hex digits); restore it, or delete it if this slipway has no containers running`);
  }
  return id;
}
