import type { NotificationFacts } from '../domain/notifications.js';

/** What `slipway notify test` sends: a successful deployment of an app that does not exist, marked as a test. */
export function sampleFacts(now: number): NotificationFacts {
  return {
    event: 'succeeded',
    app: 'sample',
    environment: 'notify-test',
    deployment: null,
    sha: '0123456789abcdef0123456789abcdef01234567',
    fromSha: null,
    ref: 'refs/heads/main',
    pr: null,
    branch: 'main',
    state: 'success',
    url: null,
    error: null,
    reason: 'a test notification sent by slipway notify test; nothing was deployed',
    trigger: 'slipway notify test',
    startedAt: now,
    finishedAt: now,
    at: now,
  };
}
