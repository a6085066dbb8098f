import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError } from '../errors.js';
import type { Environment } from '../domain/environments.js';
import { DEMO_APP } from './config.js';
import type { Webhook } from './payloads.js';
import type { Expectation, Step } from './steps.js';

/** What the story acts through: slipway's webhook endpoint, its store, the pages it serves, the terminal. */
export interface StoryWorld {
  /** Sends a webhook to slipway, signed as GitHub signs it; resolves once accepted. */
  deliver(webhook: Webhook): Promise<void>;
  /** The environment as slipway's store has it, or null when it has none by that name. */
  environment(app: string, name: string): Promise<Environment | null>;
  /** What the page at `url` says in a few words; throws saying why when it cannot be read. */
  readPage(url: string): Promise<string>;
  print(line: string): void;
}

export interface StoryOptions {
  /** How long one step may take, from its webhook to the environment's expected state. */
  stepTimeoutMs: number;
  pollMs?: number;
  /** Stops the story between polls (Ctrl-C); the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A step that did not end as expected: `demo_step_timeout` or `demo_step_failed`. */
export class StoryError extends SlipwayError {}

const INDENT = '      ';

/**
 * Plays the steps in order: each changes the repository, sends its webhook, waits until the
 * store shows the environment as expected, and prints one line saying so, with the URL to
 * open when slipway recorded one (and what the page there says). Throws StoryError naming
 * the step that did not get there.
 */
export async function playStory(steps: readonly Step[], world: StoryWorld, options: StoryOptions): Promise<void> {
  for (const [index, step] of steps.entries()) {
    options.signal?.throwIfAborted();
    const label = `[${index + 1}/${steps.length}] ${step.title}`;
    const started = Date.now();
    const { webhook, expect } = await step.act();
    await world.deliver(webhook);
    const env = await arrive(world, expect, label, options);
    const seconds = `${((Date.now() - started) / 1000).toFixed(1)}s`;
    const url = expect.state === 'ready' ? env.url : null;
    const where = expect.state === 'destroyed' ? '' : url === null ? '; slipway recorded no URL for it' : ` — open ${url}`;
    world.print(`${label} ... ok: ${DEMO_APP}/${expect.env} ${describe(env)} (${seconds})${where}`);
    if (url !== null) {
      const said = await world.readPage(url).then(
        (title) => `the page says: ${title}`,
        (error: unknown) => `the page did not answer: ${error instanceof Error ? error.message : String(error)}`,
      );
      world.print(`${INDENT}${said}`);
    }
  }
}

function reached(env: Environment, expect: Expectation): boolean {
  if (env.generation !== env.observedGeneration) return false;
  return expect.state === 'destroyed' ? env.state === 'destroyed' : env.state === 'ready' && env.observedSha === expect.sha;
}

async function arrive(world: StoryWorld, expect: Expectation, label: string, options: StoryOptions): Promise<Environment> {
  const deadline = Date.now() + options.stepTimeoutMs;
  const name = `${DEMO_APP}/${expect.env}`;
  const wanted = expect.state === 'ready' ? `ready at ${short(expect.sha)}` : 'destroyed';
  const hint = `"slipway env ${DEMO_APP} ${expect.env}" shows its deployments and their logs`;
  for (;;) {
    const env = await world.environment(DEMO_APP, expect.env);
    if (env !== null && reached(env, expect)) return env;
    if (env?.state === 'failed' && env.generation === env.observedGeneration) {
      throw new StoryError('demo_step_failed', `${label} failed: ${name} ${describe(env)}, expected ${wanted}; ${hint}`);
    }
    if (Date.now() >= deadline) {
      const seconds = Math.round(options.stepTimeoutMs / 100) / 10;
      const now = env === null ? 'does not exist' : describe(env);
      throw new StoryError('demo_step_timeout', `${label} timed out after ${seconds}s: ${name} ${now}, expected ${wanted}; ${hint}`);
    }
    await sleep(options.pollMs ?? 100, undefined, { signal: options.signal });
  }
}

function describe(env: Environment): string {
  const sha = env.observedSha === null || env.state === 'destroyed' ? '' : ` at ${short(env.observedSha)}`;
  const behind = env.generation === env.observedGeneration ? '' : ' (a newer change is not deployed yet)';
  return `is ${env.state}${sha}${behind}`;
}

function short(sha: string): string {
  return sha.slice(0, 7);
}
