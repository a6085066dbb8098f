import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProcfile } from '../../../../src/targets/process/detect/procfile.js';

test('a Procfile is read as name: command lines; comments, blank lines and CRLF are skipped', () => {
  const text = [
    '# the processes of the app',
    '',
    'web: node server.js --port $PORT',
    '   ',
    'release:bin/migrate && echo done # migrations',
    '  worker :  node worker.js  ',
    'clock_2: node clock.js',
    'url: curl http://example.test:8080/x',
  ].join('\r\n');
  assert.deepEqual(parseProcfile(text), [
    { name: 'web', command: 'node server.js --port $PORT', line: 3 },
    { name: 'release', command: 'bin/migrate && echo done # migrations', line: 5 },
    { name: 'worker', command: 'node worker.js', line: 6 },
    { name: 'clock_2', command: 'node clock.js', line: 7 },
    { name: 'url', command: 'curl http://example.test:8080/x', line: 8 },
  ]);
  assert.deepEqual(parseProcfile(''), []);
  assert.deepEqual(parseProcfile('# nothing yet\n'), []);
});

test('a bad Procfile is refused with the line of every problem', () => {
  const text = 'web: node a.js\nnode b.js\nweb: node c.js\nworker:\nweb server: x\nrelease: a\0b\n';
  assert.throws(
    () => parseProcfile(text),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'target_process_detect');
      assert.equal(
        error.message,
        [
          'Procfile:2: expected "name: command", such as "web: node server.js"',
          'Procfile:3: web is given twice (first on line 1); keep one',
          'Procfile:4: worker has no command',
          'Procfile:5: expected "name: command", such as "web: node server.js"',
          'Procfile:6: release must not contain a NUL character',
        ].join('\n'),
      );
      return true;
    },
  );
});
