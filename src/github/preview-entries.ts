import type { EnvironmentStore } from '../store/store.js';
import type { PreviewEntry } from './pr-comment.js';

/**
 * The preview environments of pull request `pr` in the apps listed (those of its repository),
 * destroyed ones included, each with its newest deployment, for the comment.
 */
export async function previewEntries(store: EnvironmentStore, apps: readonly string[], pr: number, logUrl: (id: number) => string | null): Promise<PreviewEntry[]> {
  const environments = (await store.listEnvironments({ includeDestroyed: true })).filter((env) => env.pr === pr && apps.includes(env.app));
  return Promise.all(
    environments.map(async (env): Promise<PreviewEntry> => {
      const [newest] = await store.listDeployments(env.id, 1);
      const base = { app: env.app, env: env.name, present: env.present, state: env.state, url: env.url, expiresAt: env.expiresAt, keep: env.keep };
      if (newest === undefined) return { ...base, deployment: null };
      // What a waiting deployment waits for is on its timeline.
      const message = newest.state === 'waiting' ? ((await store.getDeployment(newest.id))?.timeline.at(-1)?.message ?? null) : null;
      return { ...base, deployment: { sha: newest.sha, state: newest.state, error: newest.error, message, logUrl: logUrl(newest.id) } };
    }),
  );
}
