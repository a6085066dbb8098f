import * as z from 'zod';
import { InputError } from '../errors.js';
import type { GitHub } from './client.js';
import { download, nextUrl } from './download.js';
import { GitHubError } from './errors.js';

/** The fields slipway reads from `GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts`. */
const artifactList = z.object({
  artifacts: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      size_in_bytes: z.number(),
      expired: z.boolean(),
      created_at: z.string().nullable(),
    }),
  ),
});

type Artifact = z.infer<typeof artifactList>['artifacts'][number];

export interface RunArtifactRequest {
  /** `owner/name`. */
  repo: string;
  runId: number;
  /** The artifact's name, as the workflow's upload-artifact step gave it. */
  name: string;
  /** Where the zip goes; removed again when the download fails. */
  destFile: string;
  /** The largest zip slipway downloads, in bytes. */
  maxBytes: number;
  /** For the zip's download from blob storage. Default 5 minutes. */
  downloadTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface DownloadedArtifact {
  artifactId: number;
  /** Bytes of the zip as downloaded. */
  sizeInBytes: number;
}

/** How many names an `artifact_not_found` message lists. */
const NAMES_SHOWN = 20;

/**
 * Downloads the zip of the newest unexpired artifact named `name` of a workflow run: GitHub
 * answers the zip's URL with a redirect to blob storage, fetched without GitHub's credentials.
 * Throws `GitHubError`: `artifact_not_found` (naming the artifacts the run has),
 * `artifact_expired`, `artifact_too_large`, or what the API calls throw.
 */
export async function downloadRunArtifact(github: GitHub, request: RunArtifactRequest): Promise<DownloadedArtifact> {
  const { runId, name, maxBytes, signal } = request;
  const [owner, repo] = repoParts(request.repo);
  const list = async (only?: string) => {
    const response = await github.rest.actions.listWorkflowRunArtifacts({ owner, repo, run_id: runId, ...(only === undefined ? {} : { name: only }), per_page: 100, request: { signal } });
    return parseList(response.data, response.url);
  };
  const named = (await list(name)).filter((a) => a.name === name);
  const chosen = named.filter((a) => !a.expired).sort(newestFirst)[0];
  if (chosen === undefined && named.length > 0) {
    throw new GitHubError('artifact_expired', `the artifact named ${JSON.stringify(name)} of workflow run ${runId} has expired and GitHub deleted it; re-run the workflow to make a new one`);
  }
  if (chosen === undefined) {
    const names = [...new Set((await list()).map((a) => a.name))];
    const shown = names.length > NAMES_SHOWN ? `${names.slice(0, NAMES_SHOWN).join(', ')}, …` : names.join(', ');
    const has = names.length === 0 ? 'it has none' : `it has: ${shown}`;
    throw new GitHubError('artifact_not_found', `workflow run ${runId} has no artifact named ${JSON.stringify(name)}; ${has}. Check the name against the workflow's upload-artifact step`);
  }
  if (chosen.size_in_bytes > maxBytes) {
    throw new GitHubError('artifact_too_large', `the artifact named ${JSON.stringify(name)} of workflow run ${runId} is larger than the limit of ${maxBytes} bytes (GitHub lists ${chosen.size_in_bytes}); raise the limit or make the artifact smaller`);
  }
  const zip = await github.rest.actions.downloadArtifact({ owner, repo, artifact_id: chosen.id, archive_format: 'zip', request: { redirect: 'manual', signal } });
  const from = new URL(zip.url);
  const location = nextUrl(typeof zip.headers.location === 'string' ? zip.headers.location : null, from);
  if (location === null) {
    throw new GitHubError('github_invalid_response', `GET ${from.origin}${from.pathname} answered HTTP ${zip.status} without a redirect slipway follows (an invalid, missing or non-https location)`);
  }
  const sizeInBytes = await download(location, request.destFile, { maxBytes, timeoutMs: request.downloadTimeoutMs ?? 5 * 60_000, ...(signal ? { signal } : {}) });
  return { artifactId: chosen.id, sizeInBytes };
}

function parseList(data: unknown, url: string): Artifact[] {
  if (typeof data === 'string') {
    throw new GitHubError('github_invalid_response', `GET ${new URL(url).pathname} did not answer with JSON; check that github.apiUrl points at GitHub's REST API`);
  }
  const parsed = artifactList.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue === undefined ? '' : ` (${issue.path.join('.') || 'body'}: ${issue.message})`;
    throw new GitHubError('github_invalid_response', `GitHub's list of workflow run artifacts has an unexpected shape${at}`);
  }
  return parsed.data.artifacts;
}

function newestFirst(a: Artifact, b: Artifact): number {
  const time = (artifact: Artifact) => Date.parse(artifact.created_at ?? '') || 0;
  return time(b) - time(a) || b.id - a.id;
}

function repoParts(repo: string): [string, string] {
  const [owner, name, ...rest] = repo.split('/');
  if (owner === undefined || name === undefined || rest.length > 0 || [owner, name].some((part) => !/^[\w.-]+$/.test(part) || part === '.' || part === '..')) {
    throw new InputError('repo_invalid', `repo ${JSON.stringify(repo)} must look like "owner/name"`);
  }
  return [owner, name];
}
