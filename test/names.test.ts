import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { dnsLabel, slug, slugName } from '../src/names.js';
import { DNS_LABEL } from './policy/helpers.js';

const hash8 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);
/** `br-{branch}` for a branch slugging changes: the slug and the hash of the filled name. */
const br = (slugged: string, branch: string) => `br-${slugged}-${hash8(`br-${branch}`)}`;

test('placeholders are filled, then the name is slugged to a DNS label', () => {
  assert.equal(slugName('pr-{number}', { number: 7 }), 'pr-7');
  assert.equal(slugName('br-{branch}', { branch: 'feature/Login' }), br('feature-login', 'feature/Login'));
  assert.equal(slugName('{app}-{branch}', { app: 'web', branch: 'release/1.x' }), `web-release-1-x-${hash8('web-release/1.x')}`);
  assert.equal(slugName('staging', {}), 'staging');
  assert.equal(slugName('br-{branch}', { branch: 'main' }), 'br-main');
  assert.equal(slugName('br-{branch}', { branch: '__Fix__  IT__' }), br('fix-it', '__Fix__  IT__'));
  assert.equal(slugName('{branch}', { branch: '-feature-' }), `feature-${hash8('-feature-')}`);
});

test('shell metacharacters, "..", spaces and control characters never survive', () => {
  const cases: [string, string][] = [
    ['feature/$(rm -rf ~)', 'br-feature-rm-rf'],
    ['a;b|c&d`id`>e<f', 'br-a-b-c-d-id-e-f'],
    ['../../etc/passwd', 'br-etc-passwd'],
    ['my branch\twith\nspaces', 'br-my-branch-with-spaces'],
    ["it's \"quoted\" \\ {x}", 'br-it-s-quoted-x'],
    ['$HOME/${PATH}', 'br-home-path'],
  ];
  for (const [branch, expected] of cases) assert.equal(slugName('br-{branch}', { branch }), br(expected.slice(3), branch), branch);
});

test('unicode becomes "-"; a value that slugs to nothing still leaves a distinct, non-empty name', () => {
  assert.equal(slugName('br-{branch}', { branch: 'feature/über' }), br('feature-ber', 'feature/über'));
  assert.equal(slugName('{branch}', { branch: '日本語' }), hash8('日本語'));
  assert.equal(slugName('br-{branch}', { branch: '日本語' }), `br-${hash8('br-日本語')}`);
  assert.notEqual(slugName('br-{branch}', { branch: '日本語' }), slugName('br-{branch}', { branch: '中文' }));
  assert.equal(slugName('{branch}', { branch: '...' }), hash8('...'));
  assert.equal(slugName('{branch}', { branch: '' }), hash8(''), 'even an empty value gives a name');
  assert.equal(slugName('br-{branch}', { branch: 'ⓕⓞⓞ' }).length, 'br-'.length + 8);
});

test('long names are cut to 63 characters with a stable hash, so shortened names do not collide', () => {
  const long = 'x'.repeat(300);
  const name = slugName('br-{branch}', { branch: long });
  assert.equal(name.length, 63);
  assert.equal(name, `br-${'x'.repeat(51)}-${hash8(`br-${long}`)}`);
  assert.equal(slugName('br-{branch}', { branch: long }), name, 'stable');
  const other = slugName('br-{branch}', { branch: `${'x'.repeat(299)}y` });
  assert.notEqual(other, name);
  assert.equal(other.length, 63);
  // Exactly 63 fits as it is; 64 is shortened.
  assert.equal(slugName('{branch}', { branch: 'a'.repeat(63) }), 'a'.repeat(63));
  assert.equal(slugName('{branch}', { branch: 'a'.repeat(64) }), `${'a'.repeat(54)}-${hash8('a'.repeat(64))}`);
  // No "--" where the cut lands on a dash.
  const dashed = slugName('{branch}', { branch: `${'a'.repeat(53)}/${'b'.repeat(20)}` });
  assert.equal(dashed, `${'a'.repeat(53)}-${hash8(`${'a'.repeat(53)}/${'b'.repeat(20)}`)}`);
});

test('whatever the input, the result is a DNS label', () => {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const alphabet = 'aZ09-_./ $;|&`()\'"\\{}..日本ü\t\n🙂';
  for (let i = 0; i < 500; i += 1) {
    const length = Math.floor(random() * 320);
    let branch = '';
    for (let j = 0; j < length; j += 1) branch += alphabet[Math.floor(random() * alphabet.length)];
    const name = slugName('br-{branch}', { branch });
    assert.match(name, DNS_LABEL, JSON.stringify(branch));
  }
});

test('slug alone, and a missing value is a programming error', () => {
  assert.equal(slug('  Hello, World!  '), 'hello-world');
  assert.equal(slug('---'), '');
  assert.throws(() => slugName('pr-{number}', {}), /no value for \{number\}/);
});

test('names are unique per source: slugging that changes the text adds a hash of the unslugged name', () => {
  const names = ['a/b-c', 'a-b/c', 'a-b-c', 'A-b-c', 'a_b_c', 'release/1.2', 'release-1.2', 'release-1-2'].map((branch) => slugName('br-{branch}', { branch }));
  assert.equal(new Set(names).size, names.length, names.join(' '));
  assert.equal(slugName('br-{branch}', { branch: 'a-b-c' }), 'br-a-b-c', 'a name slugging leaves alone stays as it is');
  assert.equal(slugName('br-{branch}', { branch: 'a/b-c' }), `br-a-b-c-${hash8('br-a/b-c')}`);
  assert.equal(slugName('br-{branch}', { branch: 'release/1.2' }), `br-release-1-2-${hash8('br-release/1.2')}`);
  assert.equal(slugName('pr-{number}', { number: 7 }), 'pr-7', 'pull request numbers never change');
  assert.equal(slugName('{app}-pr-{number}', { app: 'web', number: 12 }), 'web-pr-12');
});

test('dnsLabel slugs a single value, hashing only what it had to shorten or lost entirely', () => {
  assert.equal(dnsLabel('Feature/Login_Page'), 'feature-login-page');
  assert.equal(dnsLabel('日本語'), hash8('日本語'));
  assert.equal(dnsLabel('a'.repeat(64)), `${'a'.repeat(54)}-${hash8('a'.repeat(64))}`);
});
