import { fixture } from './webapp.js';

// Payloads shaped like GitHub's CI and deployment webhooks for acme/webapp, built from the
// hand-made fixtures in test/fixtures/payloads/ with the fields a test cares about replaced.

type Json = Record<string, unknown>;
const base = () => fixture('check-suite-completed-failure') as unknown as Json;
const envelope = () => {
  const { repository, organization, sender, installation } = base();
  return { repository, organization, sender, installation };
};

let ids = 1000;
/** A new id, larger than every earlier one (GitHub's ids grow). */
export const nextId = () => ++ids;

export function checkRun(sha: string, name: string, conclusion: string | null, options: { id?: number; branch?: string | null } = {}): Json {
  const status = conclusion === null ? 'in_progress' : 'completed';
  return {
    action: conclusion === null ? 'created' : 'completed',
    check_run: {
      id: options.id ?? nextId(),
      name,
      status,
      conclusion,
      head_sha: sha,
      html_url: `https://github.com/acme/webapp/runs/${ids}`,
      app: { slug: 'github-actions' },
      check_suite: { head_branch: options.branch === undefined ? 'develop' : options.branch },
      pull_requests: [],
    },
    ...envelope(),
  };
}

export function checkSuite(sha: string, conclusion: string | null, options: { id?: number; app?: string } = {}): Json {
  const payload = base();
  const suite = payload.check_suite as Json;
  Object.assign(suite, {
    id: options.id ?? nextId(),
    head_sha: sha,
    head_branch: null,
    pull_requests: [],
    status: conclusion === null ? 'queued' : 'completed',
    conclusion,
    app: { ...(suite.app as Json), slug: options.app ?? 'github-actions' },
  });
  return payload;
}

export function commitStatus(sha: string, context: string, state: string): Json {
  return { id: nextId(), sha, name: 'acme/webapp', context, state, description: null, target_url: null, branches: [], ...envelope() };
}

export function workflowRun(sha: string, name: string, conclusion: string | null, options: { id?: number; attempt?: number; branch?: string; fork?: boolean } = {}): Json {
  const payload = fixture('workflow-run-completed-failure') as unknown as Json;
  const run = payload.workflow_run as Json;
  const repo = run.head_repository as Json;
  Object.assign(run, {
    id: options.id ?? nextId(),
    name,
    path: `.github/workflows/${name.toLowerCase()}.yml`,
    head_sha: sha,
    head_branch: options.branch ?? 'main',
    run_attempt: options.attempt ?? 1,
    status: conclusion === null ? 'in_progress' : 'completed',
    conclusion,
    head_repository: options.fork ? { ...repo, id: 999, full_name: 'outside/webapp' } : repo,
  });
  return { ...payload, action: conclusion === null ? 'in_progress' : 'completed' };
}

export function deployment(sha: string, environment: string, options: { id?: number; payload?: unknown; task?: string } = {}): Json {
  const { deployment: shape } = fixture('deployment-status-failure') as unknown as Json;
  return {
    ...envelope(),
    action: 'created',
    deployment: { ...(shape as Json), id: options.id ?? nextId(), sha, environment, original_environment: environment, task: options.task ?? 'deploy', payload: options.payload ?? {} },
  };
}

export function deploymentStatus(sha: string, environment: string, deploymentId: number, state: string): Json {
  const payload = fixture('deployment-status-failure') as unknown as Json;
  return {
    ...payload,
    action: 'created',
    deployment: { ...(payload.deployment as Json), id: deploymentId, sha, environment },
    deployment_status: { ...(payload.deployment_status as Json), id: nextId(), state, environment },
  };
}

/** A push of `sha` to `branch`. */
export function push(branch: string, sha: string): Json {
  const payload = fixture('push-main') as unknown as Json;
  return { ...payload, ref: `refs/heads/${branch}`, after: sha, created: false, deleted: false, forced: false };
}
