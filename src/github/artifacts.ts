import * as z from 'zod';
import { InputError } from '../errors.js';
import type { GitHubApi } from './api.js';
import { GitHubError } from './errors.js';

/** The fields slipway reads from `GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts`. */
const artifactList = z.object({
  artifacts: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      size_in_bytes: z.number(),
      archive_download_url: z.string(),
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
 * Downloads the zip of the newest unexpired artifact named `name` of a workflow run.
 * Throws `GitHubError`: `artifact_not_found` (naming the artifacts the run has),
 * `artifact_expired`, `artifact_too_large`, or what the API calls throw.
 */
export async function downloadRunArtifact(api: GitHubApi, request: RunArtifactRequest): Promise<DownloadedArtifact> {
  const { runId, name, maxBytes, signal } = request;
  const base = `/repos/${repoPath(request.repo)}/actions/runs/${encodeURIComponent(String(runId))}/artifacts`;
  const named = (await list(api, `${base}?name=${encodeURIComponent(name)}&per_page=100`, signal)).filter((a) => a.name === name);
  const chosen = named.filter((a) => !a.expired).sort(newestFirst)[0];
  if (chosen === undefined && named.length > 0) {
    throw new GitHubError('artifact_expired', `the artifact named ${JSON.stringify(name)} of workflow run ${runId} has expired and GitHub deleted it; re-run the workflow to make a new one`);
  }
  if (chosen === undefined) {
    const names = [...new Set((await list(api, `${base}?per_page=100`, signal)).map((a) => a.name))];
    const shown = names.length > NAMES_SHOWN ? `${names.slice(0, NAMES_SHOWN).join(', ')}, …` : names.join(', ');
    const has = names.length === 0 ? 'it has none' : `it has: ${shown}`;
    throw new GitHubError('artifact_not_found', `workflow run ${runId} has no artifact named ${JSON.stringify(name)}; ${has}. Check the name against the workflow's upload-artifact step`);
  }
  if (chosen.size_in_bytes > maxBytes) {
    throw new GitHubError('artifact_too_large', `the artifact named ${JSON.stringify(name)} of workflow run ${runId} is larger than the limit of ${maxBytes} bytes (GitHub lists ${chosen.size_in_bytes}); raise the limit or make the artifact smaller`);
  }
  const sizeInBytes = await api.download(chosen.archive_download_url, request.destFile, { maxBytes, signal });
  return { artifactId: chosen.id, sizeInBytes };
}

async function list(api: GitHubApi, path: string, signal: AbortSignal | undefined): Promise<Artifact[]> {
  const parsed = artifactList.safeParse(await api.getJson(path, signal));
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

function repoPath(repo: string): string {
  const parts = repo.split('/');
  if (parts.length !== 2 || parts.some((part) => !/^[\w.-]+$/.test(part) || part === '.' || part === '..')) {
    throw new InputError('repo_invalid', `repo ${JSON.stringify(repo)} must look like "owner/name"`);
  }
  return parts.map(encodeURIComponent).join('/');
}
