import type { AppConfig, Config } from '../config/schema.js';
import type { CreateEvent, PullRequestEvent } from '../events/domain.js';
import type { RepoState } from '../github/repo-state.js';
import type { Logger } from '../logger.js';
import { applyPolicy, type Intent } from '../policy/policy.js';
import type { Environment, EnvironmentChange } from '../domain/environments.js';
import type { EnvironmentStore } from '../store/store.js';
import { toChange } from './dispatch.js';
import { ruleOf } from '../policy/rules.js';

/** The trigger of every change the sweep makes. */
const TRIGGER = 'sweep';

export interface GitHubSweepOptions {
  config: Config;
  store: Pick<EnvironmentStore, 'listEnvironments' | 'changeEnvironments'>;
  github: RepoState;
  log: Logger;
}

/**
 * Heals missed `pull_request`, `create` and `delete` webhooks: per repository of the
 * configured apps, open pull requests and branches go through policy as their webhooks would,
 * and create what is missing; previews and branch environments whose pull request or branch
 * GitHub confirms closed or deleted are destroyed. A head that moved needs nothing here: the
 * resync sweep converges every live environment again, which resolves its ref anew. An API
 * error ends that repository's sweep; what GitHub did not confirm is left alone.
 * Resolves to the changes applied (through `changeEnvironments`, source `sweep`).
 */
export async function sweepGitHub(options: GitHubSweepOptions): Promise<EnvironmentChange[]> {
  const { config, store, log } = options;
  const known = new Map((await store.listEnvironments({ includeDestroyed: true })).map((env) => [`${env.app}/${env.name}`, env]));
  const applied: EnvironmentChange[] = [];
  for (const [repo, apps] of appsByRepo(config)) {
    const changes: EnvironmentChange[] = [];
    const sweep = new RepoSweep(repo, apps, known, options, changes);
    try {
      if (tracks(apps, 'pullRequests')) await sweep.pullRequests();
      if (tracks(apps, 'branches')) await sweep.branches();
    } catch (error) {
      log.warn({ repo, reason: (error as Error).message }, 'cannot compare the environments with GitHub; the next run tries again');
    }
    if (changes.length === 0) continue;
    await store.changeEnvironments(changes, TRIGGER);
    log.info({ repo, changes: changes.map((change) => `${change.kind} ${change.app}/${change.env}`) }, 'the sweep found missed webhooks: environments change');
    applied.push(...changes);
  }
  return applied;
}

function appsByRepo(config: Config): Map<string, AppConfig[]> {
  const byRepo = new Map<string, AppConfig[]>();
  for (const app of config.apps) {
    const key = app.repo.toLowerCase();
    byRepo.set(key, [...(byRepo.get(key) ?? []), app]);
  }
  return new Map([...byRepo.values()].map((apps) => [apps[0]?.repo ?? '', apps]));
}

const tracks = (apps: AppConfig[], kind: 'pullRequests' | 'branches') => apps.some((app) => app.environments.some((env) => env.track.kind === kind));

/** One repository's sweep, adding to `changes` as it confirms them. */
class RepoSweep {
  constructor(
    private readonly repo: string,
    private readonly apps: AppConfig[],
    private readonly known: ReadonlyMap<string, Environment>,
    private readonly options: GitHubSweepOptions,
    private readonly changes: EnvironmentChange[],
  ) {}

  /** Live environments of this repository's apps made by a rule that tracks `kind`. */
  private live(kind: 'pullRequests' | 'branches'): Environment[] {
    return [...this.known.values()].filter((env) => {
      const app = this.apps.find((candidate) => candidate.name === env.app);
      return env.present && app !== undefined && ruleOf(app, env)?.track.kind === kind;
    });
  }

  async pullRequests(): Promise<void> {
    const { github, config } = this.options;
    const open = await github.openPullRequests(this.repo);
    for (const pull of open.items) {
      for (const intent of applyPolicy(pull, config).intents) this.consider(intent, pull);
    }
    const numbers = new Set(open.items.map((pull) => pull.number));
    for (const env of this.live('pullRequests')) {
      if (env.pr === null || numbers.has(env.pr)) continue;
      // Not in the open list: only GitHub saying it is closed destroys the preview.
      const pull = await github.pullRequest(this.repo, env.pr);
      if (pull.state !== 'closed') continue;
      const reason = 'pull request closed (found by the sweep)';
      this.changes.push({ kind: 'destroy', app: env.app, env: env.name, reason, trigger: TRIGGER, eventAt: pull.updatedAt });
    }
  }

  /**
   * A preview that is missing, follows another ref, or was destroyed before the pull request
   * last changed (a missed `reopened`) follows it; one of a pull request that no longer
   * qualifies (a missed `converted_to_draft`, `unlabeled`) is destroyed. Others are fine as they are.
   */
  private consider(intent: Intent, pull: PullRequestEvent): void {
    const env = this.known.get(`${intent.app}/${intent.env}`);
    if (intent.kind === 'follow') {
      const changedSince = env !== undefined && !env.present && (pull.updatedAt ?? 0) > env.updatedAt;
      if (env === undefined || changedSince || (env.present && env.desiredRef !== intent.ref)) this.changes.push(toChange({ ...intent, trigger: TRIGGER }));
    } else if (intent.kind === 'destroy' && env?.present === true) {
      this.changes.push({ ...intent, trigger: TRIGGER, reason: `${intent.reason} (found by the sweep)` });
    }
  }

  async branches(): Promise<void> {
    const { github, config } = this.options;
    const repository = await github.repository(this.repo);
    const branches = await github.branches(this.repo);
    for (const branch of branches.items) {
      const event: CreateEvent = { kind: 'create', refType: 'branch', ref: `refs/heads/${branch}`, refName: branch, repository, sender: null, installationId: null };
      for (const intent of applyPolicy(event, config).intents) {
        // Only environments made per branch; one that ever existed (destroyed by hand or TTL) is not made again.
        if (intent.kind !== 'follow' || this.exists(intent) || !this.perBranch(intent)) continue;
        this.changes.push(toChange({ ...intent, trigger: TRIGGER }));
      }
    }
    const names = new Set(branches.items);
    for (const env of this.live('branches')) {
      if (env.branch === null || names.has(env.branch) || (await github.branchExists(this.repo, env.branch))) continue;
      const reason = `branch ${env.branch} was deleted (found by the sweep)`;
      // Names the ref, so an environment that follows another branch by then is left alone.
      const ref = env.desiredRef === null || env.rule === null ? {} : { ref: env.desiredRef, rule: env.rule };
      this.changes.push({ kind: 'destroy', app: env.app, env: env.name, reason, trigger: TRIGGER, ...ref });
    }
  }

  /** An environment of that name, or one of the same rule that follows the ref under an older name. */
  private exists(intent: Extract<Intent, { kind: 'follow' }>): boolean {
    if (this.known.has(`${intent.app}/${intent.env}`)) return true;
    return [...this.known.values()].some((env) => env.app === intent.app && env.rule === intent.rule && env.desiredRef === intent.ref);
  }

  private perBranch(intent: Extract<Intent, { kind: 'follow' }>): boolean {
    const app = this.apps.find((candidate) => candidate.name === intent.app);
    return app?.environments.find((env) => env.name === intent.rule)?.track.kind === 'branches';
  }
}
