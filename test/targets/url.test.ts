import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsLabel } from '../../src/names.js';
import { renderUrl, unknownPlaceholders } from '../../src/targets/url.js';

const toLabel = dnsLabel;

const values = { app: 'web', env: 'pr-7', pr: 7, branch: 'Feature/Login_Page', sha: 'ABCDEF0123' };

test('url templates fill app, env, pr, branch (slugged) and sha', () => {
  assert.equal(renderUrl('https://{env}.{app}.example.com', values), 'https://pr-7.web.example.com');
  assert.equal(renderUrl('https://{app}.example.com/pr/{pr}/{sha}', values), 'https://web.example.com/pr/7/abcdef0123');
  assert.equal(renderUrl('https://{branch}.preview.dev', values), 'https://feature-login-page.preview.dev');
  assert.equal(renderUrl('https://{nope}.x', values), 'https://{nope}.x');
});

test('a template that needs a PR or branch the environment lacks gives no URL', () => {
  assert.equal(renderUrl('https://pr-{pr}.web.dev', { ...values, pr: null }), null);
  assert.equal(renderUrl('https://{branch}.web.dev', { ...values, branch: null }), null);
});

test('a branch that slugs to nothing gets the same hashed label its environment name would', () => {
  assert.match(renderUrl('https://{branch}.web.dev', { ...values, branch: '///' }) ?? '', /^https:\/\/[0-9a-f]{8}\.web\.dev$/);
});

test('unknown placeholders are named for config validation', () => {
  assert.deepEqual(unknownPlaceholders('https://{env}.{app}.dev'), []);
  assert.deepEqual(unknownPlaceholders('https://{number}.{env}.{number}{}.dev'), ['number', '']);
});

test('labels are lowercase [a-z0-9-], at most 63 characters, with a hash when shortened', () => {
  assert.equal(toLabel('$(touch /tmp/pwned); rm -rf /'), 'touch-tmp-pwned-rm-rf');
  const long = toLabel('feature/'.padEnd(300, 'x'));
  assert.match(long, /^[a-z0-9-]{1,63}$/);
  assert.equal(long.length, 63);
  assert.notEqual(long, toLabel('feature/'.padEnd(301, 'x')));
});
