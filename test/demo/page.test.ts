import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { pageTitle } from '../../src/demo/page.js';
import { pushWebhook } from '../../src/demo/payloads.js';
import { webhookSender } from '../../src/demo/send-webhook.js';
import { SECRET, startTestService } from '../helpers/service.js';

async function serve(t: TestContext, handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

test("a page's title is read as plain text: entities decoded, terminal escapes dropped", async (t) => {
  const url = await serve(t, (_req, res) => res.end('<html><head><title lang="en">\n  a &lt;b&gt; &amp; &#39;c&#x27; \u001b[31mred\u0007 </title></head></html>'));
  assert.equal(await pageTitle(url), "a <b> & 'c' [31mred");
});

test('a page that answers an error, has no title or does not answer says why', async (t) => {
  const url = await serve(t, (req, res) => {
    if (req.url === '/missing') res.writeHead(404, 'Not Found').end('<title>nope</title>');
    else res.end('<p>no title</p>');
  });
  await assert.rejects(pageTitle(`${url}missing`), { code: 'page_unreachable', message: `${url}missing answered 404 Not Found` });
  await assert.rejects(pageTitle(url), { code: 'page_untitled', message: /has no <title>/ });
  const gone = createServer();
  await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
  const port = (gone.address() as AddressInfo).port;
  await new Promise((resolve) => gone.close(resolve));
  await assert.rejects(pageTitle(`http://127.0.0.1:${port}/`), { code: 'page_unreachable', message: new RegExp(`^no answer from http://127\\.0\\.0\\.1:${port}/ \\(.*ECONNREFUSED`) });
  const slow = await serve(t, () => undefined);
  await assert.rejects(pageTitle(slow, 200), { code: 'page_unreachable', message: /no answer from .* \(no answer within 200 ms\)/ });
});

test('webhooks go out signed, and a refused one says what slipway answered', async (t) => {
  const service = await startTestService(t);
  const webhook = pushWebhook({ fullName: 'demo/web', cloneUrl: 'file:///tmp/none' }, { branch: 'main', before: null, after: 'a'.repeat(40), message: 'm', at: new Date() });
  await webhookSender(`${service.url}/webhooks/github`, SECRET)(webhook);
  const [delivery] = await service.store.listDeliveries({ limit: 5 });
  assert.equal(delivery?.event, 'push');
  await assert.rejects(webhookSender(`${service.url}/webhooks/github`, 'wrong')(webhook), {
    code: 'webhook_refused',
    message: /^slipway answered 401 to the push webhook: .*signature/,
  });
});
