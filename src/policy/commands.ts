import type { AppConfig } from '../config/schema.js';
import { formatDuration, parseDuration, DURATION_HINT } from '../config/duration.js';
import type { CommandNote, PrCommand } from '../domain/commands.js';
import { COMMAND_VERBS } from '../domain/commands.js';
import type { Environment, EnvironmentChange } from '../domain/environments.js';
import type { DomainEvent, PullRequestEvent } from '../events/domain.js';

/** Comments that start with this word are commands to slipway. */
export const COMMAND_PREFIX = '/slipway';
/** The label that keeps a pull request's previews (no TTL, no sleep) while it is on. */
export const KEEP_LABEL = 'slipway:keep';
/** The longest `/slipway extend`; longer is what `/slipway keep` is for. */
export const MAX_EXTEND_MS = 30 * 86_400_000;
/** A command is a few words; a longer comment that starts with the prefix is not one. */
const MAX_COMMAND_LENGTH = 100;

const USAGE = `expected one of: ${COMMAND_VERBS.map((verb) => (verb === 'extend' ? 'extend DURATION' : verb)).join(', ')}`;

/**
 * What a comment says to slipway: a `/slipway …` command on a pull request of a configured
 * repository, or null. `/slipway deploy` is not one of these: it approves a fork's preview
 * (policy/approvals.ts). A command refused before anything is checked (on a plain issue, from a
 * deleted account, or not a command) carries its refusal.
 */
export function commandNote(event: DomainEvent, apps: readonly AppConfig[]): CommandNote | null {
  if (event.kind !== 'issue_comment' || event.action !== 'created' || apps.length === 0) return null;
  const words = event.body.trim().split(/\s+/);
  if (words[0] !== COMMAND_PREFIX || words[1] === 'deploy') return null;
  const text = words.join(' ');
  const note = { repo: event.repository.fullName, pr: event.number, pullRequest: event.pullRequest, commentId: event.commentId, login: event.author };
  if (text.length > MAX_COMMAND_LENGTH) return { ...note, text: `${text.slice(0, MAX_COMMAND_LENGTH)}…`, refusal: `not a command: longer than ${MAX_COMMAND_LENGTH} characters` };
  const refusal = !event.pullRequest
    ? 'commands work on pull requests, and this is an issue'
    : event.author === null
      ? 'the account that commented is gone'
      : refusalOf(parseCommand(text));
  return { ...note, text, refusal };
}

const refusalOf = (parsed: ReturnType<typeof parseCommand>): string | null => ('reason' in parsed ? parsed.reason : null);

/** A command's text (`/slipway extend 48h`) as a command, or why it is none. */
export function parseCommand(text: string): { command: PrCommand } | { reason: string } {
  const [, verb, ...args] = text.trim().split(/\s+/);
  if (verb === undefined) return { reason: `no command given; ${USAGE}` };
  if (verb === 'extend') {
    if (args.length !== 1) return { reason: `extend takes one duration, such as /slipway extend 48h` };
    const extension = parseExtension(args[0] ?? '');
    return 'reason' in extension ? extension : { command: { verb, ms: extension.ms } };
  }
  const known = COMMAND_VERBS.find((candidate) => candidate === verb);
  if (known === undefined || known === 'extend') return { reason: `unknown command "${verb}"; ${USAGE}` };
  if (args.length > 0) return { reason: `${known} takes no arguments` };
  return { command: { verb: known } };
}

/** How much longer `extend` (the command, the API, the dashboard) keeps a preview: a duration up to MAX_EXTEND_MS, or why the text is none. */
export function parseExtension(text: string): { ms: number } | { reason: string } {
  const ms = parseDuration(text);
  if (ms === null) return { reason: `"${text}" is not a duration: ${DURATION_HINT}` };
  if (ms === 0) return { reason: 'extend needs a duration longer than 0s' };
  if (ms > MAX_EXTEND_MS) return { reason: `extend is at most ${formatDuration(MAX_EXTEND_MS)}; /slipway keep keeps the preview for good` };
  return { ms };
}

/** An environment to put to sleep now. */
export interface SleepRequest {
  app: string;
  env: string;
}

/**
 * What a command does: changes to the pull request's previews (and previews to put to sleep,
 * which the engine does holding their leases) and what that means for people, or why it is refused.
 */
export type CommandPlan = { changes: EnvironmentChange[]; sleep?: SleepRequest[]; outcome: string } | { refused: string };

/**
 * Plans a command from `by` (who has write permission) against `previews`: every environment of
 * the pull request in the repository's apps, destroyed ones included. Pure.
 */
export function planCommand(
  command: PrCommand,
  previews: readonly Environment[],
  by: string,
  now: number,
  /** Whether the environment's app runs on a target that can sleep (process, docker, behind slipway's router). */
  canSleep: (env: Environment) => boolean = () => false,
): CommandPlan {
  const trigger = `command.${command.verb}`;
  if (previews.length === 0) return { refused: 'this pull request has no preview' };
  const live = previews.filter((env) => env.present);
  const names = (envs: readonly Environment[]) => envs.map((env) => `${env.app}/${env.name}`).join(', ');
  if (live.length === 0) return { refused: `${names(previews)} is destroyed; the next push to the pull request recreates it` };
  if (command.verb === 'sleep') return planSleep(live, names, canSleep);
  const change = (env: Environment, fields: Partial<Extract<EnvironmentChange, { kind: 'command' }>>): EnvironmentChange => ({ kind: 'command', app: env.app, env: env.name, trigger, ...fields });
  switch (command.verb) {
    case 'redeploy':
      return { changes: live.map((env) => change(env, { redeploy: true })), outcome: `redeploying the head of ${names(live)}` };
    case 'destroy': {
      const reason = `destroyed by /slipway destroy from @${by}`;
      const changes = live.map((env): EnvironmentChange => ({ kind: 'destroy', app: env.app, env: env.name, reason, trigger, hold: true }));
      return { changes, outcome: `destroyed ${names(live)} until the next push` };
    }
    case 'keep':
      return { changes: live.map((env) => change(env, { keep: true })), outcome: `${names(live)} is kept: no TTL, no sleep` };
    case 'extend': {
      const expiring = live.filter((env) => !env.keep && (env.ttlMs !== null || env.expiresAt !== null));
      if (expiring.length === 0) return { refused: `${names(live)} does not expire (${live.some((env) => env.keep) ? 'it is kept' : 'it has no TTL'})` };
      const until = (env: Environment) => Math.max(env.expiresAt ?? 0, now + (env.ttlMs ?? 0)) + command.ms;
      const outcome = expiring.map((env) => `${env.app}/${env.name} now expires ${new Date(until(env)).toISOString().slice(0, 16).replace('T', ' ')} UTC`).join('; ');
      return { changes: expiring.map((env) => change(env, { extendMs: command.ms })), outcome };
    }
  }
}

/** `/slipway sleep`: the running previews that may sleep do so now; kept ones, and those whose target cannot, are named in the refusal. */
function planSleep(live: readonly Environment[], names: (envs: readonly Environment[]) => string, canSleep: (env: Environment) => boolean): CommandPlan {
  const running = live.filter((env) => env.state === 'ready');
  const sleepy = running.filter((env) => !env.keep && canSleep(env));
  if (sleepy.length === 0) {
    const kept = running.filter((env) => env.keep);
    if (kept.length > 0) return { refused: `${names(kept)} is kept (/slipway keep or the slipway:keep label): it does not sleep` };
    if (running.length > 0) return { refused: `${names(running)} runs on a target that cannot sleep (only process and docker targets behind slipway's router do)` };
    return { refused: `${names(live)} is not running now (asleep already, deploying or failed)` };
  }
  return {
    changes: [],
    sleep: sleepy.map((env) => ({ app: env.app, env: env.name })),
    outcome: `${names(sleepy)} sleeps now; the next visit to its URL wakes it`,
  };
}

/** What a pull request event says of `slipway:keep`: on while it has the label, off when it was just removed, else nothing. */
export function keepLabel(event: PullRequestEvent): boolean | undefined {
  const isKeep = (label: string | null) => label?.toLowerCase() === KEEP_LABEL;
  if (event.labels.some(isKeep)) return true;
  return event.action === 'unlabeled' && isKeep(event.label) ? false : undefined;
}
