import type { AppConfig, EnvironmentConfig } from '../config/schema.js';
import type { WorkflowRunEvent } from '../events/domain.js';
import { skip, type Outcome } from './intent.js';
import { describeTrack } from './rules.js';

/** A workflow is named as GitHub shows it (`name:`), or by its file (`build.yml` or its path). */
function isWorkflow(wanted: string, event: WorkflowRunEvent): boolean {
  if (event.name === wanted || event.path === wanted) return true;
  return event.path !== null && event.path.split('/').pop() === wanted;
}

/**
 * Environments that deploy what a workflow built: a successful run of that workflow on that
 * branch pins the environment to the run's commit (and, with `artifact`, to the run's output).
 */
export function onWorkflowRun(event: WorkflowRunEvent, app: AppConfig, env: EnvironmentConfig): Outcome {
  const track = env.track;
  if (track.kind !== 'workflowRun') return skip(`follows ${describeTrack(env)}, not workflow runs`);
  const run = `workflow ${event.name ?? event.path ?? 'run'} (run ${event.id})`;
  if (!isWorkflow(track.workflow, event)) return skip(`${run} is not workflow ${track.workflow}`);
  if (event.action !== 'completed') return skip(`${run} is ${event.status}: only a completed run deploys`);
  if (event.conclusion !== 'success') return skip(`${run} concluded ${event.conclusion ?? 'without a conclusion'}: only a successful run deploys`);
  if (track.branch !== null && event.headBranch !== track.branch) {
    return skip(`${run} built ${event.headBranch ?? 'no branch'}, not ${track.branch}`);
  }
  if (event.fork) return skip(`${run} built code from a fork (${event.headRepoFullName ?? 'deleted'}): its output is never deployed`);
  const what = env.artifact === null ? `commit ${event.headSha.slice(0, 12)}` : `artifact ${env.artifact} of run ${event.id}`;
  return {
    intent: {
      kind: 'pin',
      app: app.name,
      env: env.name,
      sha: event.headSha,
      trigger: 'workflow_run.completed',
      githubDeploymentId: null,
      artifactRunId: env.artifact === null ? null : event.id,
    },
    reason: `${run} succeeded: ${env.name} deploys ${what}`,
  };
}
