import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { problems } from './helpers.js';

test('store.url takes a postgres:// or postgresql:// URL; without it there is none and the store is SQLite', () => {
  for (const url of ['postgres://slipway:pw@db.internal:5432/slipway', 'postgresql://slipway@db/slipway?sslmode=require', 'postgres:///slipway?host=/var/run/postgresql']) {
    assert.equal(parseConfig(`store:\n  url: ${url}\n`, 'slipway.yaml', {}, '/srv').store.url, url);
  }
  assert.equal('url' in parseConfig('store:\n  dataDir: data\n', 'slipway.yaml', {}, '/srv').store, false);
  // Empty, as ${VAR:-} gives when the variable is unset: not set.
  assert.equal(parseConfig('store:\n  url: ${DATABASE_URL:-}\n', 'slipway.yaml', {}, '/srv').store.url, undefined);
  assert.equal(parseConfig('store:\n  url: ${DATABASE_URL}\n', 'slipway.yaml', { DATABASE_URL: 'postgres://u:p@h/d' }, '/srv').store.url, 'postgres://u:p@h/d');
});

test('a store.url that is not a PostgreSQL URL is refused with file, line and path, never repeating it', () => {
  assert.deepEqual(problems('store:\n  dataDir: data\n  url: mysql://slipway:hunter2@db/slipway\n'), [
    'slipway.yaml:3 store.url: must be a postgres:// or postgresql:// URL (slipway keeps its store in PostgreSQL there, else in SQLite in store.dataDir); write it as postgres://user:password@host:5432/database (or postgresql://…)',
  ]);
  assert.deepEqual(problems('store:\n  url: hunter2@db:5432\n'), [
    'slipway.yaml:2 store.url: is not a URL; write it as postgres://user:password@host:5432/database (or postgresql://…)',
  ]);
  const fromEnv = problems('store:\n  url: ${DATABASE_URL}\n', { DATABASE_URL: 'https://user:hunter2@db/x' });
  assert.equal(fromEnv.length, 1);
  assert.match(fromEnv[0] ?? '', /^slipway\.yaml:2 store\.url: must be a postgres:\/\/ or postgresql:\/\/ URL/);
  assert.ok(!fromEnv.join('\n').includes('hunter2'));
  assert.deepEqual(problems('store:\n  url: [postgres://a/b]\n'), ['slipway.yaml:2 store.url: expected a string, got a list']);
});
