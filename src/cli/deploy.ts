import { InputError } from '../errors.js';
import { commitSha, fullRef } from '../http/deploy-request.js';
import type { Command } from './command.js';
import { parse, UsageError } from './args.js';
import { CLIENT_HELP, CLIENT_OPTIONS, connect, segment } from './client.js';
import { appAndEnv } from './env.js';
import { print, printBlock } from './output.js';

const HELP = `usage: slipway deploy APP ENV [--ref REF | --sha SHA | --follow] [--url URL] [--config FILE]

Asks the running server to deploy an environment (POST /api/environments/APP/ENV/deploy) and
returns once it accepted; "slipway env APP ENV" shows the deployment.

  --ref REF      follow a ref from now on: a branch name (main) or a full ref
                 (refs/heads/main, refs/tags/v1.2.0, refs/pull/42/head); creates ENV when new
  --sha SHA      pin one commit (40 hex characters) until the next --ref or webhook moves ENV
  --follow       follow ENV's ref again: ends a pin or a rollback, and lets a quarantined
                 commit deploy again
  (neither)      converge ENV again to what it already follows
${CLIENT_HELP}`;

export const deploy: Command = {
  summary: 'deploy an environment to a ref or a sha',
  async run(argv) {
    const options = { ...CLIENT_OPTIONS, ref: { type: 'string' }, sha: { type: 'string' }, follow: { type: 'boolean' } } as const;
    const { values, positionals } = parse('deploy', argv, options, true);
    if (values.help) return printBlock(HELP), 0;
    const [app, name] = appAndEnv('deploy', positionals);
    if ([values.ref, values.sha, values.follow].filter((value) => value !== undefined).length > 1) {
      throw new UsageError('give one of --ref, --sha or --follow: --ref follows a branch or tag, --sha pins one commit, --follow follows the ref again');
    }
    const body = asUsage(() =>
      values.ref !== undefined ? { ref: fullRef(values.ref) } : values.sha !== undefined ? { sha: commitSha(values.sha) } : values.follow ? { follow: true as const } : undefined,
    );
    const client = await connect(values);
    await client.post(`/api/environments/${segment(app)}/${segment(name)}/deploy`, body);
    const what = body === undefined ? 'converge again' : 'ref' in body ? `follow ${body.ref}` : 'sha' in body ? `pin ${body.sha}` : 'follow its ref again';
    print(`${app}/${name}: accepted, it will ${what}; watch it with: slipway env ${app} ${name}`);
    return 0;
  },
};

/** A value the server would refuse is a usage error here. */
function asUsage<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof InputError) throw new UsageError(error.message.replace(/^(ref|sha) /, '--$1 '));
    throw error;
  }
}
