import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionBudget, parseOpenFileLimit, readOpenFileLimit } from '../src/connection-budget.js';
import { SlipwayError } from '../src/errors.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             63704                63704                processes
Max open files            20000                524288               files
Max locked memory         8388608              8388608              bytes
`;

test('the open-file limit is the soft "Max open files" of /proc/self/limits; unlimited or unreadable says so', () => {
  assert.equal(parseOpenFileLimit(LIMITS), 20000);
  assert.equal(parseOpenFileLimit(LIMITS.replace('20000  ', 'unlimited')), Number.POSITIVE_INFINITY);
  assert.equal(parseOpenFileLimit('Max processes 5 5 processes\n'), null);
  assert.equal(parseOpenFileLimit(''), null);
  const here = readOpenFileLimit();
  if (process.platform === 'linux') {
    assert.equal(here.source, '/proc/self/limits');
    assert.ok(here.limit >= 64 && Number.isInteger(here.limit), String(here.limit));
  } else assert.equal(here.source, 'assumed');
});

test('by default the router gets fewer connections than the webhook server, and both fit the open-file limit with headroom', () => {
  for (const limit of [64, 256, 1024, 20_000, 1_048_576]) {
    const budget = connectionBudget({ limit, source: 'test' }, { withRouter: true });
    assert.ok(budget.router >= 1 && budget.router < budget.server, `${limit}: ${JSON.stringify(budget)}`);
    // A proxied router connection holds two descriptors: the client's and the backend's.
    assert.ok(budget.server + 2 * budget.router + budget.headroom <= limit, `${limit}: ${JSON.stringify(budget)}`);
    assert.ok(budget.headroom >= Math.min(256, limit / 2), `${limit}: ${JSON.stringify(budget)}`);
  }
  const usual = connectionBudget({ limit: 20_000, source: 'test' }, { withRouter: true });
  assert.deepEqual({ server: usual.server, router: usual.router, headroom: usual.headroom }, { server: 7200, router: 5400, headroom: 2000 });
  const huge = connectionBudget({ limit: Number.POSITIVE_INFINITY, source: 'test' }, { withRouter: true });
  assert.ok(Number.isSafeInteger(huge.server) && Number.isSafeInteger(huge.router), JSON.stringify(huge));
  const alone = connectionBudget({ limit: 1024, source: 'test' }, { withRouter: false });
  assert.equal(alone.router, 0, 'no router, no share for it');
});

test('configured caps are kept; one configured leaves the other what still fits; too much is refused, saying what to do', () => {
  assert.deepEqual(pick(connectionBudget({ limit: 1024, source: 'test' }, { router: 10, server: 20, withRouter: true })), { router: 10, server: 20 });
  const serverSet = connectionBudget({ limit: 1024, source: 'test' }, { server: 700, withRouter: true });
  assert.equal(serverSet.server, 700);
  assert.ok(serverSet.router >= 1 && serverSet.server + 2 * serverSet.router <= 1024 - serverSet.headroom, JSON.stringify(serverSet));
  const routerSet = connectionBudget({ limit: 1024, source: 'test' }, { router: 300, withRouter: true });
  assert.ok(routerSet.server >= 1 && routerSet.server + 600 <= 1024 - routerSet.headroom, JSON.stringify(routerSet));

  for (const configured of [{ router: 5000 }, { server: 5000 }, { router: 300, server: 300 }]) {
    assert.throws(
      () => connectionBudget({ limit: 1024, source: '/proc/self/limits' }, { ...configured, withRouter: true }),
      (error: unknown) => {
        assert.ok(error instanceof SlipwayError);
        assert.equal(error.code, 'connection_limits');
        assert.match(error.message, /1024 open files/);
        assert.match(error.message, /maxConnections/);
        assert.match(error.message, /ulimit -n/);
        return true;
      },
      JSON.stringify(configured),
    );
  }
  assert.deepEqual(pick(connectionBudget({ limit: 1024, source: 'test' }, { server: 700, router: 5000, withRouter: false })), { router: 0, server: 700 });
});

function pick(budget: { router: number; server: number }) {
  return { router: budget.router, server: budget.server };
}
