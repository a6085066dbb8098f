import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namedPorts, portHint } from '../../src/targets/port-hints.js';
import { plainLine, withoutEscapes } from '../../src/targets/plain-text.js';

const ports = (output: string) => namedPorts(output).map(({ port }) => port);

test('what real servers print when they start names their port', () => {
  const said: [string, number][] = [
    ['Example app listening on port 3000', 3000],
    ['listening on 5000', 5000],
    ['Server is running at port 8081', 8081],
    [' * Running on http://127.0.0.1:5000', 5000],
    ['INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)', 8000],
    ['[2024-05-01 10:00:00 +0000] [1] [INFO] Listening at: http://127.0.0.1:8001 (1)', 8001],
    ['Starting development server at http://127.0.0.1:8002/', 8002],
    ['   - Local:        http://localhost:3001', 3001],
    ['  ➜  Local:   http://localhost:5173/', 5173],
    ['* Listening on tcp://[::]:9292', 9292],
    ['2024/05/01 10:00:00 listening on :8080', 8080],
    ['server started on *:4000', 4000],
    ['ready - started server on 0.0.0.0:3002, url: http://localhost:3002', 3002],
    ['PORT=6000 bound', 6000],
    ['Serving HTTP on app.internal:7000', 7000],
  ];
  for (const [line, port] of said) assert.deepEqual(ports(line).at(-1), port, line);
  assert.deepEqual(namedPorts(' * Running on http://127.0.0.1:5000'), [{ port: 5000, host: '127.0.0.1' }]);
});

test('colours in the output do not hide the port', () => {
  assert.deepEqual(ports('  Local:            http://localhost:\x1b[1m3000\x1b[22m\n'), [3000]);
});

test('numbers that are not a listening port are not taken for one', () => {
  const misleading = [
    'loaded 5000 records in 12:30:45',
    '[12:30:45] worker 4000 ready',
    'connected to database at localhost:5432',
    'connecting to redis://cache:6379',
    'at Server.listen (node:net:1234:5)',
    'at listen (/app/server.js:42:17)',
    'Node.js v20.11.1',
    'started worker pid 8123',
    'port 99999 is not a port',
    'listening',
  ];
  for (const line of misleading) assert.deepEqual(ports(line), [], line);
});

test('the hint names the last port said when it is not PORT, and nothing otherwise', () => {
  const hint = '; listening on 5000 instead of PORT=40549? Make the app listen on the port slipway gives it in $PORT';
  assert.equal(portHint('booting\nlistening on 5000\n', 40549, false), hint);
  assert.equal(portHint('trying 3000\nlistening on port 4000\nlistening on 5000\n', 40549, false), hint);
  assert.equal(portHint('listening on 40549\n', 40549, false), '', 'it says PORT: nothing to suggest');
  assert.equal(portHint('listening on 5000\nlistening on 40549\n', 40549, false), '', 'the last word counts');
  assert.equal(portHint('loaded 5000 records\nconnected to localhost:5432\n', 40549, false), '');
  assert.equal(portHint('', 40549, false), '');
});

test('in a container, PORT on a loopback address is named: the published port does not reach it', () => {
  assert.equal(
    portHint(' * Running on http://127.0.0.1:8080\n', 8080, true),
    '; listening on 127.0.0.1:8080 inside the container? The published port does not reach it there: listen on 0.0.0.0',
  );
  assert.equal(portHint(' * Running on http://127.0.0.1:8080\n', 8080, false), '', 'on the host, 127.0.0.1 is where slipway connects');
  assert.equal(portHint(' * Running on http://0.0.0.0:8080\n', 8080, true), '');
});

test('app text loses its terminal escapes and control characters; lines stay apart only where asked', () => {
  assert.equal(withoutEscapes('\x1b[1mbold\x1b[22m\ttab\r\nnext\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\'), 'bold tab \nnextlink');
  assert.equal(plainLine('a\n\n  b\u202e c\x00', 80), 'a b c');
  assert.equal(plainLine('x'.repeat(10), 5), 'xxxx…');
  assert.equal(plainLine('short', 5), 'short');
});
