// The command desk over a real SQLite store. The fake GitHub server stands in for the REST API
// (collaborator permission, reactions on comments), which cannot run here.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { CommandNote } from '../../src/domain/commands.js';
import { CommandDesk } from '../../src/engine/commands.js';
import { createGitHubClients } from '../../src/github/client.js';
import { createLogger } from '../../src/logger.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startFakeGitHub } from '../helpers/fake-github.js';
import { tempDir } from '../helpers/temp.js';
import { finishPending } from '../store/contract/inbox.js';

const DAY = 86_400_000;

async function desk(t: TestContext, reaction: { status: number; body: unknown }) {
  const github = await startFakeGitHub(t);
  github.on('GET', /\/repos\/acme\/web\/collaborators\/[^/]+\/permission/, () => ({ body: { permission: 'write', role_name: 'write' } }));
  github.on('POST', /\/repos\/acme\/web\/issues\/comments\/\d+\/reactions/, () => reaction);
  const store = await SqliteStore.open(tempDir(t));
  t.after(() => store.close());
  const log = createLogger({ level: 'silent', pretty: false });
  const decided: string[] = [];
  let changed = 0;
  const commands = new CommandDesk({
    store,
    clients: createGitHubClients({ apiUrl: github.url, auth: { kind: 'token', token: 'ghp_desk' }, log, retries: 0 }),
    appsOf: () => ['web'],
    log,
    decided: (repo, pr) => decided.push(`${repo}#${pr}`),
    changed: () => (changed += 1),
    canSleep: () => false,
    sleep: async () => undefined,
    stop: new AbortController().signal,
  });
  /** A delivery of one command, processed `ago` ms ago. */
  const receive = async (note: Partial<CommandNote>, ago = 0) => {
    const id = `d-${note.commentId ?? 1}`;
    await store.insertDelivery({ id, event: 'issue_comment', action: 'created', hookId: null, targetType: null, targetId: null, repository: 'acme/web', receivedAt: 1, payload: Buffer.from('{}') });
    const command: CommandNote = { repo: 'acme/web', pr: 7, pullRequest: true, commentId: 1, login: 'octo', text: '/slipway keep', refusal: null, ...note };
    await finishPending(store, [{ id, status: 'processed', error: null, processedAt: Date.now() - ago, commands: [command] }]);
  };
  return { github, store, commands, receive, decided, changed: () => changed };
}

test('a command GitHub could not be asked about for a day fails without asking, and is not carried out late', async (t) => {
  const { github, store, commands, receive, decided, changed } = await desk(t, { status: 201, body: {} });
  await store.changeEnvironments([{ kind: 'follow', app: 'web', env: 'pr-7', ref: 'refs/pull/7/head', shaHint: 'a'.repeat(40), pr: 7, branch: 'x', ttlMs: DAY, trigger: 'pull_request.opened' }], 'test');
  await receive({ commentId: 1, text: '/slipway destroy' }, DAY + 60_000);
  await commands.run();
  const shown = await store.lastCommand('acme/web', 7);
  assert.deepEqual([shown?.state, shown?.outcome, shown?.reaction], ['failed', 'not carried out: GitHub could not be asked whether @octo may write for a day; comment again', 'confused']);
  assert.equal((await store.getEnvironment('web', 'pr-7'))?.present, true);
  assert.deepEqual(github.calls(/collaborators/), []);
  assert.deepEqual(github.calls(/reactions/), ['POST /repos/acme/web/issues/comments/1/reactions', 'POST /repos/acme/web/issues/comments/1/reactions']);
  assert.deepEqual([decided, changed()], [['acme/web#7'], 0]);
});

test('a reaction GitHub refuses for good is given up and holds nothing up; a plain issue gets no preview comment', async (t) => {
  const { store, commands, receive, decided, changed } = await desk(t, { status: 403, body: { message: 'Resource not accessible by integration' } });
  await store.changeEnvironments([{ kind: 'follow', app: 'web', env: 'pr-7', ref: 'refs/pull/7/head', shaHint: 'a'.repeat(40), pr: 7, branch: 'x', ttlMs: DAY, trigger: 'pull_request.opened' }], 'test');
  await receive({ commentId: 1 });
  await receive({ commentId: 2, pr: 3, pullRequest: false, refusal: 'commands work on pull requests, and this is an issue' });
  await commands.run();
  assert.equal((await store.getEnvironment('web', 'pr-7'))?.keep, true);
  assert.deepEqual([(await store.lastCommand('acme/web', 7))?.state, (await store.lastCommand('acme/web', 3))?.state], ['done', 'refused']);
  assert.deepEqual(await store.pendingCommands(), [], 'nothing left to try');
  assert.deepEqual([decided, changed()], [['acme/web#7'], 1]);
});
