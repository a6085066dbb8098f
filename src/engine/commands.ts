import { finalReaction, type CommandReaction, type CommandRecord } from '../domain/commands.js';
import type { GitHubClients } from '../github/client.js';
import { GitHubError } from '../github/errors.js';
import { canWrite } from '../github/permissions.js';
import { reactToComment } from '../github/reactions.js';
import { failureOf, isGone, type RepoCall } from '../github/requests.js';
import type { Logger } from '../logger.js';
import { SerialPasses } from '../passes.js';
import { parseCommand, planCommand, type SleepRequest } from '../policy/commands.js';
import type { Environment } from '../domain/environments.js';
import type { CommandDecision, CommandStore, EnvironmentStore } from '../store/store.js';

/** A command GitHub could not be asked about for this long is not carried out any more: it would come as a surprise. */
const DECIDE_WITHIN_MS = 86_400_000;

export interface CommandDeskOptions {
  store: CommandStore & Pick<EnvironmentStore, 'listEnvironments'>;
  clients: GitHubClients;
  /** The apps configured for a repository (`owner/name`). */
  appsOf: (repo: string) => string[];
  log: Logger;
  /** A command on pull request `pr` was decided: its comment shows the outcome. */
  decided: (repo: string, pr: number) => void;
  /** A command changed desired state. */
  changed: () => void;
  /** Whether an environment can be put to sleep (its app's target can, behind slipway's router). */
  canSleep: (env: Environment) => boolean;
  /** Puts these environments to sleep now (`/slipway sleep`), each holding its lease. */
  sleep: (envs: SleepRequest[]) => Promise<void>;
  /** slipway is stopping: no command is carried on any more, and calls in flight end. */
  stop: AbortSignal;
}

/**
 * Carries out the commands deliveries recorded, oldest first: 👀 on the comment, then whether
 * the commenter may write (through the API), the plan against the pull request's previews, the
 * plan and its outcome stored together, then 🚀 or 😕. An API error while checking the
 * permission leaves the command to be tried again (never taken as allowed); one GitHub will not
 * answer for good fails it. A reaction GitHub does not take is logged and never holds a command up.
 */
export class CommandDesk {
  private readonly passes: SerialPasses;

  constructor(private readonly options: CommandDeskOptions) {
    this.passes = new SerialPasses(() => this.pass(), options.stop);
  }

  /** Carries on the pending commands; a call while a pass runs makes it pass once more. */
  run(): Promise<void> {
    return this.passes.run();
  }

  private async pass(): Promise<void> {
    const { store, stop, log } = this.options;
    for (const command of await store.pendingCommands()) {
      if (stop.aborted) return;
      await this.carryOn(command).catch((error: unknown) => {
        if (stop.aborted) return;
        const { repo, pr, commentId, text } = command;
        log.warn({ repo, pr, comment: commentId, command: text, ...failureOf(error) }, 'cannot check a pull request command through the GitHub API; will try again');
      });
    }
  }

  private async carryOn(command: CommandRecord): Promise<void> {
    if (command.reaction === null) await this.react(command, 'eyes');
    let state = command.state;
    if (state === 'received') {
      const { decision, sleep = [] } = await this.decide(command);
      // Decided meanwhile elsewhere: the next pass sees it as it is.
      if (!(await this.options.store.decideCommand(decision))) return;
      state = decision.state;
      if (decision.changes.length > 0) this.options.changed();
      if (sleep.length > 0) await this.options.sleep(sleep);
      const { repo, pr, login, text } = command;
      this.options.log.info({ repo, pr, by: login, command: text, state, outcome: decision.outcome }, `pull request command ${state}`);
    }
    if (command.pullRequest) this.options.decided(command.repo, command.pr);
    await this.react(command, finalReaction(state));
  }

  /** The decision on a command, and the previews it puts to sleep once the decision is stored. */
  private async decide(command: CommandRecord): Promise<{ decision: CommandDecision; sleep?: SleepRequest[] }> {
    const { repo, commentId, login, text } = command;
    const refuse = (outcome: string) => ({ decision: { repo, commentId, state: 'refused' as const, outcome, changes: [] } });
    const parsed = parseCommand(text);
    // Policy refuses these on receipt; a command stored by an older slipway is checked again.
    if (login === null) return refuse('the account that commented is gone');
    if ('reason' in parsed) return refuse(parsed.reason);
    const now = Date.now();
    if (now - command.receivedAt > DECIDE_WITHIN_MS) {
      return { decision: { repo, commentId, state: 'failed', outcome: `not carried out: GitHub could not be asked whether @${login} may write for a day; comment again`, changes: [] } };
    }
    let allowed: boolean;
    try {
      allowed = await canWrite(await this.options.clients.forRepo(repo), repo, login, this.options.stop);
    } catch (error) {
      // What passes by itself is tried again; an answer that will not change fails the command.
      if (!(error instanceof GitHubError) || error.retryable || this.options.stop.aborted) throw error;
      return { decision: { repo, commentId, state: 'failed', outcome: `cannot check whether @${login} may write: ${error.message}`, changes: [] } };
    }
    if (!allowed) return refuse(`@${login} lacks write permission`);
    const apps = this.options.appsOf(repo);
    const previews = (await this.options.store.listEnvironments({ includeDestroyed: true })).filter((env) => env.pr === command.pr && apps.includes(env.app));
    const plan = planCommand(parsed.command, previews, login, now, this.options.canSleep);
    if ('refused' in plan) return refuse(plan.refused);
    return { decision: { repo, commentId, state: 'done', outcome: plan.outcome, changes: plan.changes }, sleep: plan.sleep ?? [] };
  }

  /** Posts a reaction and records it; one GitHub refuses for good (comment deleted, no permission) is given up, one that may pass is tried again. */
  private async react(command: CommandRecord, reaction: CommandReaction): Promise<void> {
    try {
      await reactToComment(await this.call(command.repo), command.commentId, reaction);
    } catch (error) {
      if (this.options.stop.aborted) throw error;
      const given = isGone(error) || (error instanceof GitHubError && error.code === 'github_unauthorized');
      this.options.log.warn({ repo: command.repo, comment: command.commentId, reaction, ...failureOf(error) }, given ? 'GitHub refused the reaction; it is not posted' : 'cannot react to a command; will try again');
      if (!given) return;
    }
    await this.options.store.markReacted(command.repo, command.commentId, reaction);
  }

  private async call(repo: string): Promise<RepoCall> {
    const [owner = '', name = ''] = repo.split('/');
    return { github: await this.options.clients.forRepo(repo), owner, repo: name, request: { retries: 0, signal: this.options.stop } };
  }
}
