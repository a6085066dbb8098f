import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readAppJson } from '../../../../src/targets/process/detect/app-json.js';

const detectError = (pattern: RegExp) => (error: Error & { code?: string }) => error.code === 'target_process_detect' && pattern.test(error.message);

const APP = {
  name: 'shop',
  env: {
    GREETING: 'hello',
    WORKERS: { description: 'processes', value: '5' },
    DEBUG: { value: '', required: false },
    API_TOKEN: { description: 'a token' },
    PORT: '5000',
  },
  scripts: { postdeploy: 'node seed.js', 'pr-predestroy': 'node drop.js' },
  addons: ['heroku-postgresql'],
  environments: { review: { env: { GREETING: 'hello preview' }, scripts: { postdeploy: { command: 'node seed.js --demo', size: 'basic' } } } },
};

test('app.json env values, with a required one given by slipway, and its postdeploy script', () => {
  const read = readAppJson(JSON.stringify(APP), { API_TOKEN: 'from-config' }, false);
  assert.deepEqual(read.env, { GREETING: 'hello', WORKERS: '5' });
  assert.equal(read.postdeploy, 'node seed.js');
  assert.deepEqual(read.notes, [
    'app.json env PORT ignored: slipway sets it',
    'app.json scripts.pr-predestroy is not run by slipway',
    'app.json addons is for Heroku; slipway does not provide it',
  ]);
});

test('for a pull request, environments.review overrides env and scripts', () => {
  const read = readAppJson(JSON.stringify(APP), { API_TOKEN: 'x' }, true);
  assert.deepEqual(read.env, { GREETING: 'hello preview', WORKERS: '5' });
  assert.equal(read.postdeploy, 'node seed.js --demo');
});

test('a required variable without a value anywhere fails naming it, never showing the values there are', () => {
  const app = { env: { API_TOKEN: { description: 'a token' }, SECRET_KEY_BASE: { generator: 'secret' }, OPTIONAL: { required: false }, SET: 'x' } };
  assert.throws(
    () => readAppJson(JSON.stringify(app), { OTHER: 'hunter2' }, false),
    detectError(/^app\.json requires API_TOKEN, SECRET_KEY_BASE \(a generated secret on Heroku\), which slipway's config does not set; give them under the app's env: in slipway's config$/),
  );
  assert.throws(() => readAppJson(JSON.stringify(app), { API_TOKEN: '' }, false), detectError(/requires API_TOKEN, SECRET/), 'an empty value is no value');
  assert.deepEqual(readAppJson(JSON.stringify(app), { API_TOKEN: 'a', SECRET_KEY_BASE: 'b' }, false).env, { SET: 'x' });
});

test('a malformed app.json is refused with what is wrong', () => {
  const cases: [unknown, RegExp][] = [
    ['[]', /app\.json must hold a JSON object/],
    [{ env: [] }, /app\.json env must be an object/],
    [{ env: { 'BAD-NAME': 'x' } }, /app\.json env has "BAD-NAME", which is not a variable name/],
    [{ env: { A: [1] } }, /app\.json env\.A must be a string or an object/],
    [{ env: { A: { value: 3 } } }, /app\.json env\.A\.value must be a string/],
    [{ env: { A: { value: 'x', required: 'yes' } } }, /app\.json env\.A\.required must be true or false/],
    [{ scripts: { postdeploy: '' } }, /app\.json scripts\.postdeploy must be a command/],
    [{ scripts: { postdeploy: { size: 'basic' } } }, /app\.json scripts\.postdeploy must be a command/],
    [{ environments: { review: { env: 'x' } } }, /app\.json environments\.review\.env must be an object/],
  ];
  for (const [data, pattern] of cases) {
    assert.throws(() => readAppJson(typeof data === 'string' ? data : JSON.stringify(data), {}, true), detectError(pattern), JSON.stringify(data));
  }
  assert.throws(() => readAppJson('{"env": ', {}, false), detectError(/^app\.json is not valid JSON/));
});
