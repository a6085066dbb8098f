// One pull request of the preview bench: commits on its branch, the webhooks GitHub would send
// for it, and the clock from a webhook's 202 to the preview answering with that head's page.
import { setTimeout as sleep } from 'node:timers/promises';
import { APP, REPO, deliver, histogram, waitForVersion } from './slipway.mjs';

export const METRIC = 'slipway_webhook_to_deploy_start_seconds';

/**
 * Pull request #number from branch feature/<number> on `slipway` (from startSlipway).
 * `split(env, head, ackAt, t1)` says where the time of one deployment went (target-specific,
 * read after the clock stopped); `onCommit(sha)` hears of every commit made. `metric` holds
 * slipway's METRIC as last read, shared by the pull requests of one slipway.
 */
export function pullRequest(slipway, number, { pollMs, timeoutMs, split, metric, onCommit = () => {} }) {
  const { repo, main, store, service, secret, routerPort, appFiles, message, pullRequestWebhook } = slipway;
  const env = `pr-${number}`;
  const branch = `feature/${number}`;
  const host = `${env}.${APP}.localhost:${routerPort}`;
  let head = null;
  let updatedAt = 0;
  const webhook = (action) => {
    updatedAt = Math.max(Date.now(), updatedAt + 1); // slipway drops an event older than the last one
    return pullRequestWebhook({ fullName: REPO, cloneUrl: repo.url }, {
      action, number, title: `bench #${number}`, head: { branch, sha: head.sha }, base: { branch: 'main', sha: main }, updatedAt: new Date(updatedAt),
    });
  };
  const envState = async () => {
    const e = await store.getEnvironment(APP, env);
    if (e === null) return 'does not exist';
    const [last] = await store.listDeployments(e.id, 1);
    const deployment = last ? `; last deployment #${last.id} ${last.state}${last.error ? `: ${last.error}` : ''}` : '';
    return `is ${e.state} at ${e.observedSha?.slice(0, 12) ?? '-'} (generation ${e.observedGeneration}/${e.generation})${deployment}`;
  };
  const until = async (check, what, limitMs) => {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const e = await store.getEnvironment(APP, env);
      if (e !== null && e.generation === e.observedGeneration && check(e)) return;
      if (Date.now() > deadline) throw new Error(`${APP}/${env} was not ${what} within ${limitMs / 1000} s: it ${await envState()}`);
      await sleep(pollMs);
    }
  };
  return {
    env,
    /** A new head for the pull request, with a version of its own; refs/pull/<number>/head follows it. */
    async commit(tag) {
      const version = `${number}.0.0-${tag}`;
      const sha = await repo.commit(branch, appFiles({ version, message: `PR #${number} ${tag}` }), message(`PR #${number}: ${tag}`));
      onCommit(sha);
      await repo.setRef(`refs/pull/${number}/head`, sha);
      head = { sha, version };
      return head;
    },
    /**
     * Sends `action`, times 202 -> page of `version` at the router, then waits until slipway is
     * done with it. `limitMs` bounds the wait for the page (default: timeoutMs).
     */
    async send(action, { sha, version }, limitMs = timeoutMs) {
      const ack = await deliver(service.url, secret, webhook(action));
      if (ack.status !== 202) throw new Error(`PR #${number} ${action}: slipway answered HTTP ${ack.status}, expected 202: ${ack.text.slice(0, 300)}`);
      const t1 = await waitForVersion(routerPort, host, version, { everyMs: pollMs, timeoutMs: limitMs, what: `the preview of PR #${number} (${action}) at http://${host}/` })
        .catch(async (err) => {
          throw new Error(`${err.message}; ${APP}/${env} ${await envState()}`);
        });
      // Not timed: the deployment finishes (the replaced release is stopped) before the next step.
      await until((e) => e.state === 'ready' && e.observedSha === sha, `ready at ${sha.slice(0, 12)}`, limitMs);
      // slipway's own metric (delivery received -> target starts), read after the clock stopped.
      const now = await histogram(service.url, METRIC, slipway.apiHeaders);
      const toApply = now.count === metric.count + 1 ? (now.sum - metric.sum) * 1000 : null;
      Object.assign(metric, now);
      return { ms: t1 - ack.ackAt, toApply, ...(await split(env, sha, ack.ackAt, t1)) };
    },
    /** Closes the pull request and waits until its preview is destroyed (not timed). */
    async close() {
      const ack = await deliver(service.url, secret, webhook('closed'));
      if (ack.status !== 202) throw new Error(`PR #${number} closed: slipway answered HTTP ${ack.status}, expected 202`);
      await until((e) => e.state === 'destroyed', 'destroyed', timeoutMs);
    },
  };
}
