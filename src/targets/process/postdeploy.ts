import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { envPrefix } from '../env-records.js';
import { removeEnvFiles } from './records.js';

/**
 * Which environments ran app.json's postdeploy script: `<dir>/<app>.<env>.done`, written once
 * it succeeded, removed when the environment is destroyed (a new preview of the same name
 * runs it again).
 */
export class PostdeployMarkers {
  constructor(private readonly dir: string) {}

  private file(app: string, env: string): string {
    return join(this.dir, `${envPrefix(app, env)}done`);
  }

  has(app: string, env: string): Promise<boolean> {
    return stat(this.file(app, env)).then(() => true, () => false);
  }

  async mark(app: string, env: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.file(app, env), `${new Date().toISOString()}\n`, { mode: 0o600 });
  }

  remove(app: string, env: string): Promise<void> {
    return removeEnvFiles(this.dir, app, env);
  }
}
