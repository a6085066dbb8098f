import type { ForkApproval } from '../domain/approvals.js';
import type { CommandRecord } from '../domain/commands.js';
import type { DeploymentState, EnvironmentState } from '../domain/environments.js';
import { shorten } from './deployment-report.js';

/** The longest reason a table cell shows. */
const REASON_MAX = 100;
/** The longest outcome of a command the comment shows. */
const OUTCOME_MAX = 300;

/** Starts every preview comment slipway writes; found again by it after a restart. */
export const COMMENT_MARKER = '<!-- slipway:preview';

/** What the comment shows of one preview environment. */
export interface PreviewEntry {
  app: string;
  env: string;
  present: boolean;
  state: EnvironmentState;
  url: string | null;
  expiresAt: number | null;
  /** Kept (`/slipway keep`, `slipway:keep`): it does not expire. */
  keep: boolean;
  /** Its newest deployment; null before the first. */
  deployment: {
    sha: string | null;
    state: DeploymentState;
    error: string | null;
    /** The newest line of its timeline (what a waiting deployment waits for). */
    message: string | null;
    /** slipway's page for it; null without server.publicUrl. */
    logUrl: string | null;
  } | null;
}

/**
 * The comment on pull request `pr` of `repo` listing its previews (several apps may share a
 * repo), for a fork under `forks: approve` where its approval stands, and the outcome of the
 * last `/slipway …` command.
 */
export function previewCommentBody(
  repo: string,
  pr: number,
  entries: readonly PreviewEntry[],
  approval: ForkApproval | null = null,
  command: CommandRecord | null = null,
): string {
  const rows = [...entries]
    .sort((a, b) => a.app.localeCompare(b.app) || a.env.localeCompare(b.env))
    .map((entry) => {
      const live = entry.present && entry.state !== 'destroyed';
      const url = live && entry.url !== null ? `[${cell(entry.url)}](${entry.url})` : '—';
      const sha = entry.deployment?.sha == null ? '—' : `\`${entry.deployment.sha.slice(0, 7)}\``;
      const expires = !live ? '—' : entry.keep ? 'kept' : entry.expiresAt !== null ? `${new Date(entry.expiresAt).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '—';
      const log = entry.deployment?.logUrl == null ? '—' : `[log](${entry.deployment.logUrl})`;
      return `| ${cell(`${entry.app}/${entry.env}`)} | ${stateText(entry)} | ${url} | ${sha} | ${expires} | ${log} |`;
    });
  return [
    `${COMMENT_MARKER} ${repo}#${pr} -->`,
    '### slipway preview',
    '',
    '| Environment | State | URL | Commit | Expires | Log |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    ...(approval === null ? [] : [approvalText(approval), '']),
    ...(command === null ? [] : [commandText(command), '']),
  ].join('\n');
}

/** The last command and what came of it; a refused or failed one says why. */
function commandText(command: CommandRecord): string {
  const what = `${cell(command.text)} by ${cell(`@${command.login ?? 'someone'}`)}`;
  const outcome = cell(shorten(command.outcome ?? '', OUTCOME_MAX));
  switch (command.state) {
    case 'received':
      return `👀 Last command: ${what} is being checked.`;
    case 'done':
      return `🚀 Last command: ${what}: ${outcome}.`;
    case 'refused':
      return `😕 Last command: ${what} was refused: ${outcome}.`;
    case 'failed':
      return `😕 Last command: ${what} failed: ${outcome}.`;
  }
}

/** Where a fork pull request's approval stands, and what a maintainer can do about it. */
function approvalText(approval: ForkApproval): string {
  const sha = approval.sha === null ? 'its head' : `\`${approval.sha.slice(0, 7)}\``;
  const ask = 'a user with write permission comments `/slipway deploy` to deploy it';
  switch (approval.state) {
    case 'approved':
      return `🔓 ${sha} was approved by ${cell(`@${approval.by ?? 'someone'}`)}; a new push needs a new approval.`;
    case 'refused':
      return `⛔ \`/slipway deploy\` by ${cell(`@${approval.by ?? 'someone'}`)} was refused: ${cell(approval.reason ?? 'not allowed')}.`;
    default:
      return `🔒 This pull request comes from a fork: ${approval.reason === null ? '' : `${cell(approval.reason)}; `}${sha} deploys only once ${ask}.`;
  }
}

function stateText(entry: PreviewEntry): string {
  if (!entry.present) return entry.state === 'destroyed' ? '🗑️ destroyed' : '🗑️ being destroyed';
  const deployment = entry.deployment;
  if (deployment === null) return '⏳ waiting to deploy';
  switch (deployment.state) {
    case 'success':
      return entry.state === 'sleeping' ? '💤 sleeping: idle for a while; the next visit wakes it in about a second' : '✅ ready';
    case 'failure':
    case 'error':
      return `❌ failed: ${cell(shorten(deployment.error ?? deployment.message ?? deployment.state, REASON_MAX))}`;
    case 'waiting':
      return `⏳ waiting: ${cell(shorten(deployment.message ?? 'for its gate', REASON_MAX))}`;
    default:
      return '⏳ deploying';
  }
}

/** Text as a table cell: no Markdown or HTML from it takes effect, no `|` ends the cell. */
function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[\\`*_[\]<>|#~!@]/g, (char) => `\\${char}`);
}
