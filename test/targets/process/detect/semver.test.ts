import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compare, parseRange, parseVersion, satisfies } from '../../../../src/targets/process/detect/semver.js';

function check(range: string, version: string): boolean {
  const parsed = parseRange(range);
  assert.ok(parsed !== null, `${range} parses`);
  const v = parseVersion(version);
  assert.ok(v !== null, `${version} parses`);
  return satisfies(v, parsed);
}

test('the common engines.node forms hold for the versions npm says they do, and not for the others', () => {
  const cases: [string, string[], string[]][] = [
    ['>=18', ['18.0.0', 'v20.11.1', '22.0.0'], ['17.9.9', '16.20.0']],
    ['>= 18', ['18.0.0'], ['17.0.0']],
    ['>18', ['19.0.0'], ['18.99.0', '18.0.0']],
    ['>18.1', ['18.2.0'], ['18.1.9']],
    ['<20', ['19.9.9'], ['20.0.0']],
    ['<=20', ['20.9.0'], ['21.0.0']],
    ['<=20.1', ['20.1.9'], ['20.2.0']],
    ['^20.1', ['20.1.0', '20.19.2'], ['20.0.9', '21.0.0']],
    ['^20.1.3', ['20.1.3', '20.9.0'], ['20.1.2', '21.0.0']],
    ['^0.2.3', ['0.2.3', '0.2.9'], ['0.3.0']],
    ['^0.0.3', ['0.0.3'], ['0.0.4']],
    ['~18.17', ['18.17.0', '18.17.9'], ['18.18.0', '18.16.0']],
    ['~18', ['18.20.0'], ['19.0.0']],
    ['18.x', ['18.0.0', '18.20.4'], ['17.9.0', '19.0.0']],
    ['18.x.x', ['18.1.1'], ['19.0.0']],
    ['18', ['18.5.0'], ['19.0.0']],
    ['20.11.1', ['20.11.1', 'v20.11.1'], ['20.11.2']],
    ['=20.11.1', ['20.11.1'], ['20.11.0']],
    ['20 || 22', ['20.1.0', '22.3.0'], ['21.0.0', '18.0.0', '23.0.0']],
    ['^20.19.0 || >=22.12.0', ['20.19.0', '22.12.0', '24.0.0'], ['20.18.9', '22.11.0', '21.0.0']],
    ['>=18 <23', ['18.0.0', '22.99.0'], ['23.0.0', '17.0.0']],
    ['18.0.0 - 20', ['18.0.0', '20.99.0'], ['21.0.0', '17.9.9']],
    ['1.2 - 2.3', ['1.2.0', '2.3.9'], ['2.4.0', '1.1.9']],
    ['*', ['0.0.1', '22.0.0'], []],
    ['x', ['22.0.0'], []],
    ['', ['22.0.0'], []],
  ];
  for (const [range, good, bad] of cases) {
    for (const version of good) assert.equal(check(range, version), true, `${version} satisfies ${range}`);
    for (const version of bad) assert.equal(check(range, version), false, `${version} does not satisfy ${range}`);
  }
});

test('a pre-release comes before its release', () => {
  const [rc, release] = [parseVersion('23.0.0-rc.1'), parseVersion('23.0.0')];
  assert.ok(rc !== null && release !== null);
  assert.equal(compare(rc, release), -1);
  assert.equal(check('>=23', '23.0.0-rc.1'), false);
  assert.equal(check('<23', '23.0.0-rc.1'), true);
  assert.equal(compare(parseVersion('1.0.0-alpha.2') ?? rc, parseVersion('1.0.0-alpha.10') ?? rc), -1, 'numeric identifiers compare as numbers');
});

test('what is not a range slipway understands is refused, not passed', () => {
  for (const range of ['latest', 'lts/*', 'node18', '>=18.0.0.0', '^^20', '>= x y', '20 ||| 22', '>=', '~>', 'v', '1.2.3-', `>=${'9'.repeat(300)}`]) {
    assert.equal(parseRange(range), null, range);
  }
  assert.equal(parseVersion('20'), null);
  assert.equal(parseVersion('v20.1'), null);
});
