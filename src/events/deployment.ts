import { z } from 'zod';
import { envelope, envelopeShape, urlOrNull, type Covers, type OfficialPayload } from './common.js';
import type { Deployment, DeploymentEvent, DeploymentStatusEvent } from './domain.js';
import { parsePayload } from './parse.js';

const deploymentSchema = z.object({
  id: z.number(),
  sha: z.string(),
  ref: z.string(),
  task: z.string(),
  environment: z.string(),
  payload: z.unknown(),
});

const deploymentEventSchema = z.object({
  ...envelopeShape,
  action: z.string(),
  deployment: deploymentSchema,
});

const deploymentStatusEventSchema = deploymentEventSchema.extend({
  deployment_status: z.object({
    state: z.string(),
    environment: z.string(),
    environment_url: z.string().optional(),
    target_url: z.string(),
  }),
});

export type GithubDeploymentPayload = Covers<OfficialPayload<'deployment'>, z.input<typeof deploymentEventSchema>>;
export type GithubDeploymentStatusPayload = Covers<
  OfficialPayload<'deployment-status'>,
  z.input<typeof deploymentStatusEventSchema>
>;

function toDeployment(d: z.output<typeof deploymentSchema>): Deployment {
  return { id: d.id, sha: d.sha, ref: d.ref, task: d.task, environment: d.environment, payload: d.payload };
}

export function normalizeDeployment(payload: unknown): DeploymentEvent {
  const p = parsePayload('deployment', deploymentEventSchema, payload);
  return { kind: 'deployment', ...envelope(p), action: p.action, deployment: toDeployment(p.deployment) };
}

export function normalizeDeploymentStatus(payload: unknown): DeploymentStatusEvent {
  const p = parsePayload('deployment_status', deploymentStatusEventSchema, payload);
  const status = p.deployment_status;
  return {
    kind: 'deployment_status',
    ...envelope(p),
    action: p.action,
    state: status.state,
    environment: status.environment,
    environmentUrl: urlOrNull(status.environment_url),
    targetUrl: urlOrNull(status.target_url),
    deployment: toDeployment(p.deployment),
  };
}
