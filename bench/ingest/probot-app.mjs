// A Probot app with an empty pull_request.opened handler, started with Probot's own
// `run()` as a deployed app is. The runner copies this file next to its private
// `npm install probot` (so `probot` resolves there) and sets APP_ID, PRIVATE_KEY,
// WEBHOOK_SECRET, HOST, PORT, LOG_LEVEL=warn. Webhooks: POST /api/github/webhooks.
import { run } from 'probot';

await run((app) => {
  app.on('pull_request.opened', async () => {});
});
