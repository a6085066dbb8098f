import assert from 'node:assert/strict';
import { test } from 'node:test';
import { destroyRequest as baseDestroy } from '../helpers.js';
import { request, setup, worktree } from './helpers.js';

async function read(output: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const part of output) text += part;
  return text;
}

test('logs() reads the container output through the engine, follows it until the container stops, and keeps a destroyed one for a day', async (t) => {
  const { app, root, base, target } = await setup(t);
  const signal = new AbortController().signal;
  await assert.rejects(target.logs(app, 'pr-7', { lines: 10, follow: false, signal }), { code: 'no_runtime_output', status: 404 });
  const workdir = worktree(root, 'a', base);
  await target.apply(request(app, workdir));
  assert.match(await read(await target.logs(app, 'pr-7', { lines: 10, follow: false, signal })), /^app starting on 8080\n$/);
  const controller = new AbortController();
  const following = read(await target.logs(app, 'pr-7', { lines: 1, follow: true, signal: controller.signal }));
  setTimeout(() => controller.abort(), 500);
  assert.match(await following, /^app starting on 8080\n$/, 'ends when its signal fires');
  await target.destroy(baseDestroy(null, { app, env: 'pr-7' }));
  assert.match(await read(await target.logs(app, 'pr-7', { lines: 10, follow: true, signal })), /^app starting on 8080\n$/, 'kept after destroy; nothing more comes');
});
