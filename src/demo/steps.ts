import type { LocalRepo } from '../source/local-repo.js';
import { DEMO_REPO } from './config.js';
import { pullRequestWebhook, pushWebhook, releaseWebhook, type Webhook } from './payloads.js';
import { sampleAppFiles, type SampleAppOptions } from './sample-app.js';

/** The part of the local repository the story changes. */
export type StoryRepo = Pick<LocalRepo, 'commit' | 'setRef' | 'tag' | 'url'>;

/** Where an environment of the demo app must end up once slipway acted on a step's webhook. */
export type Expectation = { env: string; state: 'ready'; sha: string } | { env: string; state: 'destroyed' };

export interface Step {
  title: string;
  /** Changes the repository as a developer would; resolves to what GitHub would send and what must follow. */
  act(): Promise<{ webhook: Webhook; expect: Expectation }>;
}

const PR = { number: 1, branch: 'feature/greeting', title: 'A friendlier greeting' };
const RELEASE = 'v1.0.0';

/**
 * The story, in order: staging follows main, pull request #1 gets a preview that follows its
 * commits and goes when it closes, and a release goes to production. Each step depends on
 * the ones before it. Every commit holds the whole sample app, made with `app`'s options.
 */
export function demoSteps(repo: StoryRepo, app: SampleAppOptions = {}): Step[] {
  const payloadRepo = { fullName: DEMO_REPO, cloneUrl: repo.url };
  const preview = `pr-${PR.number}`;
  let main = '';
  let head = '';
  let prUpdatedAt = 0;
  // GitHub's updated_at grows with every change; slipway drops a pull request event older than the last.
  const prChange = (action: 'opened' | 'synchronize' | 'closed') => {
    prUpdatedAt = Math.max(Date.now(), prUpdatedAt + 1);
    const change = { action, ...PR, head: { branch: PR.branch, sha: head }, base: { branch: 'main', sha: main } };
    return pullRequestWebhook(payloadRepo, { ...change, updatedAt: new Date(prUpdatedAt) });
  };
  const commitOnPr = async (version: string, message: string) => {
    head = await repo.commit(PR.branch, sampleAppFiles({ version, message }, app), message);
    await repo.setRef(`refs/pull/${PR.number}/head`, head);
  };
  return [
    {
      title: 'push to main → staging up',
      act: async () => {
        const message = 'Hello from main!';
        main = await repo.commit('main', sampleAppFiles({ version: '1.0.0', message }, app), message);
        const webhook = pushWebhook(payloadRepo, { branch: 'main', before: null, after: main, message, at: new Date() });
        return { webhook, expect: { env: 'staging', state: 'ready', sha: main } };
      },
    },
    {
      title: `PR #${PR.number} opened → preview ${preview} up`,
      act: async () => {
        await commitOnPr('1.1.0-pr.1', `Hello, newcomer! (pull request #${PR.number})`);
        return { webhook: prChange('opened'), expect: { env: preview, state: 'ready', sha: head } };
      },
    },
    {
      title: 'new commit on the PR → preview updated',
      act: async () => {
        await commitOnPr('1.1.0-pr.2', `Hello, newcomer! Now with a second commit (pull request #${PR.number})`);
        return { webhook: prChange('synchronize'), expect: { env: preview, state: 'ready', sha: head } };
      },
    },
    {
      title: 'PR closed → preview gone',
      act: async () => ({ webhook: prChange('closed'), expect: { env: preview, state: 'destroyed' } }),
    },
    {
      title: `release ${RELEASE} → production up`,
      act: async () => {
        await repo.tag(RELEASE, main);
        const webhook = releaseWebhook(payloadRepo, { tag: RELEASE, target: 'main', name: RELEASE, at: new Date() });
        return { webhook, expect: { env: 'production', state: 'ready', sha: main } };
      },
    },
  ];
}
