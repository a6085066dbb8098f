import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/cli/args.js';
import { refuseUnlessSqlite, storeWhere } from '../../src/cli/store-option.js';
import { parseConfig } from '../../src/config/load.js';

const configured = parseConfig('store:\n  dataDir: data\n  url: postgres://from-config@db/slipway\n', 'slipway.yaml', {}, '/srv');
const plain = parseConfig('store:\n  dataDir: data\n', 'slipway.yaml', {}, '/srv');

test('the store is --store, else $SLIPWAY_STORE_URL, else store.url, else SQLite in store.dataDir', () => {
  const env = { SLIPWAY_STORE_URL: 'postgres://from-env@db/slipway' };
  assert.deepEqual(storeWhere('postgresql://from-flag@db/slipway', configured, env), { url: 'postgresql://from-flag@db/slipway', dataDir: '/srv/data' });
  assert.deepEqual(storeWhere(undefined, configured, env), { url: 'postgres://from-env@db/slipway', dataDir: '/srv/data' });
  assert.deepEqual(storeWhere(undefined, configured, {}), { url: 'postgres://from-config@db/slipway', dataDir: '/srv/data' });
  assert.deepEqual(storeWhere(undefined, configured, { SLIPWAY_STORE_URL: '' }), { url: 'postgres://from-config@db/slipway', dataDir: '/srv/data' }, 'an empty variable is unset');
  assert.deepEqual(storeWhere(undefined, plain, {}), { url: null, dataDir: '/srv/data' });
});

test('a bad --store or $SLIPWAY_STORE_URL is refused naming where it came from, never repeating it', () => {
  const refused = (run: () => unknown, source: string) => assert.throws(run, (error: Error) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, new RegExp(`^${source} must be a postgres:// or postgresql:// URL`));
    assert.ok(!error.message.includes('hunter2'));
    return true;
  });
  refused(() => storeWhere('mysql://root:hunter2@db/x', plain, {}), '--store');
  refused(() => storeWhere(undefined, configured, { SLIPWAY_STORE_URL: 'http://root:hunter2@db/x' }), 'SLIPWAY_STORE_URL');
  assert.throws(() => storeWhere('hunter2', plain, {}), /^UsageError: --store is not a URL/);
});

test('backup and restore refuse a PostgreSQL store and name the tools that do the job', () => {
  assert.throws(() => refuseUnlessSqlite('backup', configured, {}), /^SlipwayError: slipway backup works on the SQLite store in store\.dataDir, but this slipway's store is PostgreSQL \(store\.url is set\): use pg_dump/);
  assert.throws(() => refuseUnlessSqlite('restore', plain, { SLIPWAY_STORE_URL: 'postgres://x@db/y' }), /\(SLIPWAY_STORE_URL is set\): use pg_restore, with every replica stopped$/);
  assert.doesNotThrow(() => refuseUnlessSqlite('backup', plain, {}));
});
