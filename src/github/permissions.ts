import type { GitHub } from './client.js';

/** Repository roles that may approve a fork's preview or give slipway commands on a pull request. */
export const WRITE_PERMISSIONS = ['admin', 'maintain', 'write'] as const;

/**
 * Whether `login` may write to `repo` (`owner/name`), as the API says (its permission or its role).
 * An API error is thrown at once (the caller's next pass asks again): it never counts as a yes, nor as a no.
 */
export async function canWrite(github: GitHub, repo: string, login: string, signal: AbortSignal): Promise<boolean> {
  const [owner = '', name = ''] = repo.split('/');
  const { data } = await github.rest.repos.getCollaboratorPermissionLevel({ owner, repo: name, username: login, request: { retries: 0, signal } });
  const roles: readonly string[] = WRITE_PERMISSIONS;
  return roles.includes(data.permission) || roles.includes(data.role_name);
}
