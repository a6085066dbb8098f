import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SlipwayError } from '../../../src/errors.js';
import { request, setup, worktree } from './helpers.js';

// Apps that never listen on PORT, started as real processes: what the deployment's error tells
// their author.

/** The error a deployment failed with. */
async function failure(applying: Promise<unknown>): Promise<SlipwayError> {
  const error = await applying.then(() => null, (caught: unknown) => caught);
  assert.ok(error instanceof SlipwayError, String(error));
  return error;
}

test('an app listening on a port of its own is asked whether it listens there instead of on PORT', async (t) => {
  const { root, routes, target } = setup(t);
  const workdir = worktree(root, 'a', 'start: node elsewhere.cjs\nhealth: { path: /healthz, timeout: 1s }\n');
  // A real listener, on a port the system picks (not PORT), said the way Flask says it.
  writeFileSync(
    join(workdir, 'elsewhere.cjs'),
    "const server = require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', () => console.log(' * Running on http://127.0.0.1:' + server.address().port));\n",
  );
  const error = await failure(target.apply(request(workdir)));
  assert.equal(error.code, 'target_process_unhealthy');
  const said = new RegExp(
    String.raw`^start command did not answer GET /healthz with 2xx within 1s; nothing answered on PORT=(\d+) \(\d+ tries\); ` +
      String.raw`listening on (\d+) instead of PORT=\1\? Make the app listen on the port slipway gives it in \$PORT; ` +
      String.raw`its last output:\n {3}\* Running on http://127\.0\.0\.1:\2$`,
  ).exec(error.message);
  assert.ok(said !== null, error.message);
  assert.notEqual(said[1], said[2]);
  assert.equal(routes.ports.has('pr-7'), false, 'never routed');
});

test('an app that prints misleading numbers and listens nowhere is told plainly that nothing answered on PORT', async (t) => {
  const { root, target } = setup(t);
  const workdir = worktree(root, 'a', 'start: node nowhere.cjs\nhealth: { timeout: 1s }\n');
  writeFileSync(
    join(workdir, 'nowhere.cjs'),
    [
      "console.log('[12:30:45] loaded 5000 records');",
      "console.log('connected to database at localhost:5432');",
      "console.log('listening on ' + process.env.PORT);",
      'setInterval(() => {}, 1000);',
    ].join('\n'),
  );
  const error = await failure(target.apply(request(workdir)));
  assert.equal(error.code, 'target_process_unhealthy');
  assert.match(
    error.message,
    /^start command did not accept a TCP connection on port (\d+) within 1s; nothing answered on PORT=\1 \(\d+ tries\); its last output:\n {2}\[12:30:45\] loaded 5000 records\n {2}connected to database at localhost:5432\n {2}listening on \1$/,
  );
});
