import { setTimeout as sleep } from 'node:timers/promises';
import type { EnvironmentConfig } from '../config/schema.js';
import { ruleOf } from '../policy/rules.js';
import { Wakeup } from '../wakeup.js';
import type { Logger } from '../logger.js';
import type { DeploymentState, Environment } from '../domain/environments.js';
import { REPORT_WINDOW_MS, type UnreportedDeployment } from '../store/reports.js';
import type { ApprovalStore, CommandStore, EnvironmentStore, ReportStore, WorkStore } from '../store/store.js';
import type { GitHubClients } from './client.js';
import { upsertComment } from './comments.js';
import { postCommitStatus } from './commit-status.js';
import { commitState, deploymentRequest, deploymentStatus, type GitHubDeploymentState, type InactiveReason } from './deployment-report.js';
import { previewCommentBody } from './pr-comment.js';
import { previewEntries } from './preview-entries.js';
import { failureOf, isGone, type RepoCall } from './requests.js';

/** What the reporter needs of a configured app. */
export interface ReportedApp {
  /** `owner/name` on GitHub. */
  repo: string;
  environments: readonly EnvironmentConfig[];
}

export interface ReporterOptions {
  store: ReportStore & EnvironmentStore & WorkStore & Pick<ApprovalStore, 'approvalFor'> & Pick<CommandStore, 'lastCommand'>;
  clients: GitHubClients;
  apps: ReadonlyMap<string, ReportedApp>;
  /** `server.publicUrl`: the deployment pages GitHub links to; null sends no links. */
  publicUrl: string | null;
  log: Logger;
  /** The slow poll beside the nudges. Default 5 s. */
  pollMs?: number;
  /**
   * Whether this replica reports now: replicas sharing a store report one at a time (the
   * `reporting` schedule lease). Always, when not given.
   */
  turn?: () => Promise<boolean>;
}

/** Recorded for a deployment GitHub refused for good: `inactive` is final, nothing more is sent for it. */
const GIVEN_UP: DeploymentState = 'inactive';
/** Unreported deployments, and requested comments, read per pass, at most. */
const PAGE = 200;
/** How long a call in flight when slipway stops may take to finish before it is aborted. */
const STOP_GRACE_MS = 2000;
/** The longest wait between tries while GitHub fails. */
const MAX_BACKOFF_MS = 300_000;

/**
 * Reports deployments to GitHub from the store's outbox, so deployments never wait for GitHub
 * and nothing is lost across restarts or outages: a GitHub deployment per deployment of an
 * environment's newest sha, its statuses, an optional commit status, and one comment per pull
 * request listing its previews. What fails stays in the outbox and is tried again with backoff.
 * Comments are brought up to date as the store's comment requests ask, which any replica sharing
 * the store makes: the one whose turn it is to report carries them out.
 */
export class Reporter {
  private readonly wakeup = new Wakeup();
  private readonly stopped = new AbortController();
  /** Aborts the calls in flight: a stop gives them `STOP_GRACE_MS` to finish first. */
  private readonly calls = new AbortController();
  private readonly pollMs: number;
  private loop: Promise<void> | null = null;
  private failures = 0;
  /** Comment requests being written to the store: a stop waits for them. */
  private readonly asking = new Set<Promise<void>>();
  private unlisten: (() => void) | null = null;

  private readonly turn: () => Promise<boolean>;

  constructor(private readonly options: ReporterOptions) {
    this.pollMs = options.pollMs ?? 5000;
    this.turn = options.turn ?? (() => Promise.resolve(true));
  }

  start(): void {
    if (this.options.publicUrl === null) this.options.log.info('server.publicUrl is not set: GitHub gets no links to deployment logs');
    // Another replica asked for a comment: look now, in case it is this one's turn.
    this.unlisten ??= this.options.store.onWork((kind) => {
      if (kind === 'comments') this.wakeup.nudge();
    });
    this.loop ??= this.run();
  }

  /** Deployments changed: report now. */
  nudge(): void {
    this.wakeup.nudge();
  }

  /**
   * Something the comment on `repo#pr` shows changed besides deployments (a fork approval, a
   * command): asks the store for it to be brought up to date, by whichever replica reports.
   * Never throws: a request the store does not take is logged (the catch-up at the next start
   * brings the comment up to date).
   */
  commentOn(repo: string, pr: number): void {
    const asked = this.options.store.requestComments([{ repo, pr }]).then(
      () => this.wakeup.nudge(),
      (error: unknown) => this.options.log.error({ err: error, repo, pr }, 'cannot store the request to bring the pull request comment up to date; the next start brings it up to date'),
    );
    this.asking.add(asked);
    void asked.finally(() => this.asking.delete(asked));
  }

  /**
   * Stops reporting: nothing new is sent, a call in flight has `STOP_GRACE_MS` to finish (so an
   * answer on its way is recorded), then it is aborted; what is left is sent at the next start.
   */
  async stop(): Promise<void> {
    this.stopped.abort();
    this.unlisten?.();
    this.wakeup.nudge();
    const cut = setTimeout(() => this.calls.abort(), STOP_GRACE_MS);
    await this.loop;
    clearTimeout(cut);
    this.calls.abort();
    // Requests asked for until now are in the store before it closes.
    await Promise.all(this.asking);
  }

  private async run(): Promise<void> {
    const { log } = this.options;
    await this.catchUp().catch((error: unknown) => log.error({ err: error }, 'cannot ask for the comments of the recent previews to be brought up to date'));
    while (!this.stopped.signal.aborted) {
      this.wakeup.take();
      try {
        // While another replica reports, comments asked for here wait in the store for it.
        if (await this.turn()) await this.pass();
        if (this.failures > 0) log.info({ failures: this.failures }, 'GitHub answers again: reports resumed');
        this.failures = 0;
        await this.wakeup.sleep(this.pollMs);
      } catch (error) {
        if (this.stopped.signal.aborted) break;
        this.failures += 1;
        const retryInMs = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.failures);
        // Once per streak of failures; the reports wait in the store meanwhile.
        if (this.failures === 1) log.warn({ ...failureOf(error), retryInMs }, 'cannot report to GitHub; trying again with backoff');
        await sleep(retryInMs, undefined, { signal: this.stopped.signal }).catch(() => undefined);
      }
    }
  }

  /**
   * At start: every recent preview's comment is asked for once (one that already says the same
   * is not written again). A change is committed before its comment is asked for, in a write of
   * its own, so this brings up to date what a stop between the two left out; and what a request
   * the store did not take, or one an older slipway held in memory when it stopped, left out.
   */
  private async catchUp(): Promise<void> {
    const since = Date.now() - REPORT_WINDOW_MS;
    const requests = (await this.options.store.listEnvironments({ includeDestroyed: true })).flatMap((env) => {
      const app = this.options.apps.get(env.app);
      return env.pr === null || app === undefined || (!env.present && env.updatedAt < since) ? [] : [{ repo: app.repo, pr: env.pr }];
    });
    await this.options.store.requestComments(requests);
  }

  private async pass(): Promise<void> {
    const byEnvironment = new Map<number, UnreportedDeployment[]>();
    for (const row of await this.options.store.unreportedDeployments(PAGE)) {
      byEnvironment.set(row.environmentId, [...(byEnvironment.get(row.environmentId) ?? []), row]);
    }
    // One environment failing (a repository the token may not write to) does not hold up the others.
    const failures: unknown[] = [];
    for (const rows of byEnvironment.values()) {
      this.stopped.signal.throwIfAborted();
      await this.reportEnvironment(rows).catch((error: unknown) => failures.push(error));
    }
    const requests = await this.options.store.commentRequests(PAGE);
    for (const request of requests) {
      this.stopped.signal.throwIfAborted();
      // Cleared as read: one asked again while the comment was written stays for the next pass.
      // One that fails stays too.
      await this.updateComment(request.repo, request.pr)
        .then(() => this.options.store.clearCommentRequests([request]))
        .catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw failures[0];
    // More are waiting: the next pass comes at once.
    if (requests.length === PAGE) this.wakeup.nudge();
  }

  /** One environment's deployments, oldest first. */
  private async reportEnvironment(rows: UnreportedDeployment[]): Promise<void> {
    const { store } = this.options;
    const first = rows[0];
    if (first === undefined) return;
    const app = this.options.apps.get(first.app);
    const env = await store.getEnvironment(first.app, first.env);
    if (app === undefined || env === null) {
      // No longer configured: nothing to say to GitHub about it.
      for (const row of rows) await store.markReported(row.id, row.target, null);
      return;
    }
    // Asked first, so the comment follows even when a report fails halfway.
    if (env.pr !== null) await store.requestComments([{ repo: app.repo, pr: env.pr }]);
    const rule = ruleOf(app, env);
    const call = await this.call(app.repo);
    for (const row of rows) await this.report(row, env, rule, call);
  }

  private async report(row: UnreportedDeployment, env: Environment, rule: EnvironmentConfig | null, call: RepoCall): Promise<void> {
    const { store } = this.options;
    const target = row.target;
    let githubId = row.githubDeploymentId;
    if (githubId === null) {
      // Superseded before GitHub ever heard of it, or no sha to name: it gets no GitHub deployment.
      if (!row.newest || target === 'inactive' || row.sha === null) return store.markReported(row.id, target, null);
      githubId = await this.createDeployment(row, rule, call);
      if (githubId === null) return store.markReported(row.id, GIVEN_UP, null);
      await store.markReported(row.id, row.reportedState, githubId);
    } else if (!row.newest && target !== 'inactive') {
      // A status for a sha that is no longer the environment's newest is not sent.
      return store.markReported(row.id, target, githubId);
    }
    const reason: InactiveReason | undefined = target !== 'inactive' || row.state === 'inactive' ? undefined : env.state === 'destroyed' ? 'destroyed' : 'superseded';
    for (const state of stepsTo(row, target)) {
      const status = deploymentStatus(state, row, reason);
      const logUrl = this.logUrl(row.id);
      const sent = await this.postStatus(call, githubId, status.state, status.description, state === 'success' ? env.url : null, logUrl);
      if (!sent) return store.markReported(row.id, GIVEN_UP, githubId);
      const commit = commitState(status.state);
      if (rule?.commitStatus === true && row.sha !== null && commit !== null) {
        await postCommitStatus(call, { sha: row.sha, env: row.env, state: commit, description: status.description, ...(logUrl === null ? {} : { targetUrl: logUrl }) })
          .catch((error: unknown) => {
            if (!isGone(error)) throw error;
            this.options.log.warn({ deployment: row.id, ...failureOf(error) }, 'GitHub refused the commit status; it is not sent');
          });
      }
    }
    await store.markReported(row.id, target, githubId);
  }

  /** Resolves to the new GitHub deployment's id, or null when GitHub refuses it for good (unknown sha, repository gone). */
  private async createDeployment(row: UnreportedDeployment, rule: EnvironmentConfig | null, call: RepoCall): Promise<number | null> {
    try {
      const { data } = await call.github.rest.repos.createDeployment({ owner: call.owner, repo: call.repo, ...deploymentRequest(row, rule), request: call.request });
      if ('id' in data) return data.id;
      throw new Error(`GitHub did not create the deployment: ${data.message ?? 'no reason given'}`);
    } catch (error) {
      if (!isGone(error)) throw error;
      this.options.log.warn({ deployment: row.id, ...failureOf(error) }, 'GitHub refused to create a deployment; it is not reported');
      return null;
    }
  }

  /** False when the GitHub deployment no longer exists: nothing more is sent for it. */
  private async postStatus(call: RepoCall, githubId: number, state: GitHubDeploymentState, description: string, environmentUrl: string | null, logUrl: string | null): Promise<boolean> {
    try {
      await call.github.rest.repos.createDeploymentStatus({
        owner: call.owner,
        repo: call.repo,
        deployment_id: githubId,
        state,
        description,
        auto_inactive: false,
        ...(environmentUrl === null ? {} : { environment_url: environmentUrl }),
        ...(logUrl === null ? {} : { log_url: logUrl }),
        request: call.request,
      });
      return true;
    } catch (error) {
      if (!isGone(error)) throw error;
      this.options.log.warn({ githubDeployment: githubId, ...failureOf(error) }, 'the GitHub deployment is gone; its status is not reported');
      return false;
    }
  }

  private async updateComment(repo: string, pr: number): Promise<void> {
    const { store } = this.options;
    const apps = [...this.options.apps].filter(([, app]) => app.repo.toLowerCase() === repo.toLowerCase()).map(([name]) => name);
    const entries = await previewEntries(store, apps, pr, (id) => this.logUrl(id));
    const body = previewCommentBody(repo, pr, entries, await store.approvalFor(repo, pr), await store.lastCommand(repo, pr));
    const stored = await store.getPrComment(repo, pr);
    if (stored?.body === body) return;
    try {
      const commentId = await upsertComment(await this.call(repo), pr, stored?.commentId ?? null, body);
      await store.putPrComment({ repo, pr, commentId, body });
    } catch (error) {
      if (!isGone(error)) throw error;
      this.options.log.warn({ repo, pr, ...failureOf(error) }, 'GitHub refused the preview comment (pull request gone?); it is not written');
    }
  }

  private logUrl(id: number): string | null {
    return this.options.publicUrl === null ? null : `${this.options.publicUrl}/deployments/${id}`;
  }

  private async call(repo: string): Promise<RepoCall> {
    const [owner = '', name = ''] = repo.split('/');
    return { github: await this.options.clients.forRepo(repo), owner, repo: name, request: { retries: 0, signal: this.calls.signal } };
  }
}

/** The statuses to send: a deployment GitHub never saw running shows `in_progress` before it finished. */
function stepsTo(row: UnreportedDeployment, target: DeploymentState): DeploymentState[] {
  const unseen = row.reportedState === null || row.reportedState === 'queued' || row.reportedState === 'waiting';
  const finished = target === 'success' || target === 'failure' || target === 'error';
  return unseen && finished && row.startedAt !== null ? ['in_progress', target] : [target];
}
