import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { parseSize } from '../../src/config/size.js';
import { problems } from './helpers.js';

const HINT = 'expected a size such as 512MiB, 1GiB or 10MB: a whole number, then one of B, KB, MB, GB, KiB, MiB, GiB (none means bytes)';

test('sizes: KB, MB, GB count in 1000s, KiB, MiB, GiB in 1024s, a plain number is bytes', () => {
  assert.equal(parseSize('1048576'), 1_048_576);
  assert.equal(parseSize('0'), 0);
  assert.equal(parseSize('100B'), 100);
  assert.equal(parseSize('10KB'), 10_000);
  assert.equal(parseSize('10MB'), 10_000_000);
  assert.equal(parseSize('2GB'), 2_000_000_000);
  assert.equal(parseSize('3KiB'), 3072);
  assert.equal(parseSize('512MiB'), 536_870_912);
  assert.equal(parseSize('1GiB'), 1_073_741_824);
  assert.equal(parseSize(' 512 MiB '), 536_870_912);
  for (const bad of ['', 'MiB', '-1', '-5MiB', '1.5GiB', '0.5', '1e6', '10mb', '10Mb', '1TB', '1 GiB B', '512  MiB', '1GiBs', '99999999GiB']) {
    assert.equal(parseSize(bad), null, bad);
  }
});

test('artifacts: defaults, sizes with units or in bytes, values from the environment', () => {
  const parse = (text: string, env = {}) => parseConfig(text, 'slipway.yaml', env, '/srv').artifacts;
  assert.deepEqual(parse(''), { maxBytes: 1_073_741_824, maxFiles: 10_000 });
  assert.deepEqual(parse('artifacts:\n'), { maxBytes: 1_073_741_824, maxFiles: 10_000 });
  assert.deepEqual(parse('artifacts:\n  maxSize: 512MiB\n  maxFiles: 50\n'), { maxBytes: 536_870_912, maxFiles: 50 });
  assert.deepEqual(parse('artifacts:\n  maxSize: 1048576\n'), { maxBytes: 1_048_576, maxFiles: 10_000 });
  assert.deepEqual(parse('artifacts:\n  maxSize: ${SIZE}\n  maxFiles: ${FILES}\n', { SIZE: '2097152', FILES: '7' }), { maxBytes: 2_097_152, maxFiles: 7 });
});

test('artifacts: zero, negative, fractional and unknown sizes are refused with what to write', () => {
  const text = [
    'artifacts:', //           1
    '  maxSize: 0', //         2
    '  maxFiles: 0', //        3
    '  maxCount: 3', //        4
  ].join('\n');
  assert.deepEqual(problems(text), [
    'slipway.yaml:2 artifacts.maxSize: must be larger than 0 bytes',
    'slipway.yaml:3 artifacts.maxFiles: expected a whole number from 1 to 1000000',
    'slipway.yaml:4 artifacts.maxCount: unknown key "maxCount"; expected one of: maxSize, maxFiles',
  ]);
  for (const bad of ['-1', '1.5', '0.5B', '1TB', '10 megabytes', '[1GiB]', '0MiB']) {
    const expected = bad === '0MiB' ? 'must be larger than 0 bytes' : HINT;
    assert.deepEqual(problems(`artifacts:\n  maxSize: ${bad}\n`), [`slipway.yaml:2 artifacts.maxSize: ${expected}`], bad);
  }
  assert.deepEqual(problems('artifacts:\n  maxFiles: 1000001\n'), ['slipway.yaml:2 artifacts.maxFiles: expected a whole number from 1 to 1000000']);
  assert.deepEqual(problems('artifacts:\n  maxSize: ${SIZE}\n', { SIZE: '1.5GiB' }), [`slipway.yaml:2 artifacts.maxSize: ${HINT}`]);
});

test('server: the webhook body limit (GitHub\'s 25 MB by default) and the unverified budget, which must hold one such body', () => {
  const parse = (text: string) => {
    const { maxBodyBytes, maxUnverifiedBytes } = parseConfig(text, 'slipway.yaml', {}, '/srv').server;
    return { maxBodyBytes, maxUnverifiedBytes };
  };
  assert.deepEqual(parse(''), { maxBodyBytes: 25_000_000, maxUnverifiedBytes: 64 * 1024 ** 2 });
  assert.deepEqual(parse('server:\n  maxBodySize: 25MiB\n  maxUnverifiedBytes: 1GiB\n'), { maxBodyBytes: 26_214_400, maxUnverifiedBytes: 1024 ** 3 });
  assert.deepEqual(parse('server:\n  maxBodySize: 1MB\n  maxUnverifiedBytes: 1MB\n'), { maxBodyBytes: 1_000_000, maxUnverifiedBytes: 1_000_000 });
  assert.deepEqual(problems('server:\n  maxBodySize: 100MiB\n'), [
    'slipway.yaml:1 server.maxUnverifiedBytes: must be at least server.maxBodySize (104857600 bytes), so that one body the limit allows fits; it is 67108864 bytes, the default',
  ]);
  assert.deepEqual(problems('server:\n  maxBodySize: 10MB\n  maxUnverifiedBytes: 1MB\n'), [
    'slipway.yaml:3 server.maxUnverifiedBytes: must be at least server.maxBodySize (10000000 bytes), so that one body the limit allows fits; it is 1000000 bytes',
  ]);
  assert.deepEqual(problems('server:\n  maxBodySize: 0\n  maxUnverifiedBytes: lots\n'), [
    'slipway.yaml:2 server.maxBodySize: must be larger than 0 bytes',
    `slipway.yaml:3 server.maxUnverifiedBytes: ${HINT}`,
  ]);
});
