#!/usr/bin/env node
/**
 * The slipway command. Each subcommand lives in its own module and is imported only when
 * run, so `slipway --help` or `slipway validate` start without loading the server.
 */
import { inspect } from 'node:util';
import { SlipwayError } from '../errors.js';
import { UsageError } from './args.js';
import type { Command } from './command.js';
import { print, printBlock, printError } from './output.js';


const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).serve,
  validate: async () => (await import('./validate.js')).validate,
  deliveries: async () => (await import('./deliveries.js')).deliveries,
  send: async () => (await import('./send.js')).send,
  status: async () => (await import('./status.js')).status,
  envs: async () => (await import('./envs.js')).envs,
  env: async () => (await import('./env.js')).env,
  deploy: async () => (await import('./deploy.js')).deploy,
  destroy: async () => (await import('./destroy.js')).destroy,
  rollback: async () => (await import('./rollback.js')).rollback,
  reload: async () => (await import('./reload.js')).reload,
  history: async () => (await import('./history.js')).history,
  logs: async () => (await import('./logs.js')).logs,
  replay: async () => (await import('./replay.js')).replay,
  explain: async () => (await import('./explain.js')).explain,
  demo: async () => (await import('./demo.js')).demo,
  notifications: async () => (await import('./notifications.js')).notifications,
  notify: async () => (await import('./notify.js')).notify,
  backup: async () => (await import('./backup.js')).backup,
  restore: async () => (await import('./restore.js')).restore,
  migrate: async () => (await import('./migrate.js')).migrate,
  export: async () => (await import('./export.js')).exportCommand,
  import: async () => (await import('./import.js')).importCommand,
};

const USAGE = `slipway: GitOps deployments driven by GitHub webhooks

usage: slipway <command> [options]

commands:
  serve        start the server (webhook endpoint, API, dispatcher)
  validate     check a config file without starting
  deliveries   list the webhook deliveries slipway received, or show one
  send         sign and send a webhook payload the way GitHub does
  status       show what grows (store, mirrors, worktrees, logs) and background jobs' last runs
  envs         list environments
  env          show one environment and its recent deployments
  deploy       deploy an environment to a ref or a sha, or converge it again
  destroy      destroy an environment
  rollback     roll an environment back to its last good sha (or --to SHA)
  reload       make the running server read its config again (as SIGHUP does)
  history      list the deployments of an environment
  logs         print an environment's output, or a deployment's log (--follow to keep printing)
  replay       dispatch a webhook delivery again
  explain      show what slipway would do with a webhook payload (dry run, no server),
               or which CI signals an environment's gate has for a commit
  demo         watch slipway deploy a sample app from a local repository, step by step
  notifications  list notifications sent to chat and other receivers, or resend a failed one
  notify       send a receiver a test notification (notify test NAME)
  backup       copy the SQLite store to a file, while slipway runs or not
  restore      replace the store with a backup (slipway stopped)
  migrate      apply the PostgreSQL store's pending migrations, and nothing else
  export       write the SQLite store to a file, for import into PostgreSQL
  import       read an export into an empty PostgreSQL store

run "slipway <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    printBlock(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    const { createRequire } = await import('node:module');
    print((createRequire(import.meta.url)('../../package.json') as { version: string }).version);
    return 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    throw new UsageError(`unknown command "${name}"; expected one of: ${Object.keys(COMMANDS).join(', ')}`);
  }
  return (await load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof SlipwayError) {
      printError(error.message);
      process.exitCode = error instanceof UsageError ? 2 : 1;
    } else {
      printError(`unexpected failure: ${inspect(error)}`);
      process.exitCode = 1;
    }
  },
);
