import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../src/logger.js';

test('secret fields never reach the log, at the top or one level down', () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', pretty: false, destination: { write: (line: string) => lines.push(line) } });
  log.info(
      {
        token: 'tok-1',
        config: { apiToken: 'tok-2', webhookSecret: 'tok-3' },
        headers: { authorization: 'Bearer tok-4', 'x-hub-signature-256': 'sha256=tok-5' },
        github: { token: 'tok-6' },
        secret: 'tok-7',
      },
      'hello',
  );
  const text = lines.join('');
  assert.match(text, /hello/);
  assert.doesNotMatch(text, /tok-\d/);
  assert.equal(text.match(/\[redacted\]/g)?.length, 7);
});
