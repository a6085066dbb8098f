import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonText, visible } from '../../src/cli/output.js';
import { formatTable } from '../../src/cli/table.js';

/** What a terminal acts on, or that reorders what it shows. */
const CONTROLS = [
  ...Array.from({ length: 0x20 }, (_, code) => code),
  0x7f,
  ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i),
  0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
].map((code) => String.fromCharCode(code));
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

test('visible() writes every control, DEL, C1 and bidi character as an escape, and leaves other text alone', () => {
  for (const char of CONTROLS) {
    const shown = visible(`a${char}b`);
    assert.doesNotMatch(shown, RAW, JSON.stringify(char));
    assert.match(shown, /^a\\(x[0-9a-f]{2}|u[0-9a-f]{4})b$/, JSON.stringify(char));
  }
  assert.equal(visible('\x1b[2J\r\n'), '\\x1b[2J\\x0d\\x0a');
  assert.equal(visible('evil\u202egnp.exe'), 'evil\\u202egnp.exe');
  assert.equal(visible('\u009b31m'), '\\x9b31m');
  for (const text of ['plain', 'feature/läuft', '修正', 'emoji 🚀', 'tab-less', '']) assert.equal(visible(text), text);
});

test('a table keeps one line per row, whatever its cells hold', () => {
  const forged = 'opened\x1b[2J\rwebapp  prod  ready\nFORGED  row';
  const lines = formatTable(['ID', 'ACTION'], [['1', forged], ['2', 'closed']], 400);
  assert.equal(lines.length, 3);
  for (const line of lines) assert.doesNotMatch(line, RAW);
  assert.match(lines[1] ?? '', /^1 {3}opened\\x1b\[2J\\x0dwebapp {2}prod {2}ready\\x0aFORGED {2}row$/);
  assert.ok(lines[2]?.startsWith('2   '), 'columns stay aligned on the escaped width');
});

test('--json stays the same JSON value, with DEL, C1 and bidi characters escaped too', () => {
  const value = { action: 'a\x1b[2J\r\n\x7f\u009b\u202e\u2066z', n: 1, list: ['é', null] };
  const text = jsonText(value);
  assert.doesNotMatch(text.replace(/\n/g, ''), RAW, 'newlines between JSON lines only');
  assert.deepEqual(JSON.parse(text), value);
  assert.match(text, /\\u001b\[2J\\r\\n\\u007f\\u009b\\u202e\\u2066z/);
});
