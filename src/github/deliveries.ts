import * as z from 'zod';
import type { Logger } from '../logger.js';
import type { HookStore } from '../store/store.js';
import type { GitHub, GitHubClients } from './client.js';
import { call, pages } from './pages.js';

/** GitHub keeps webhook deliveries this long; older ones cannot be listed or redelivered. */
export const DELIVERY_RETENTION_MS = 3 * 86_400_000;
/** Pages of 100 deliveries one run reads of one hook at most. */
const MAX_PAGES = 20;
/**
 * Deliveries younger than this stay ahead of the position: a delivery still being attempted
 * may be listed late, and is then read again (asked or arrived ones are not asked twice).
 */
const SETTLE_MS = 60_000;

/** The fields slipway reads of an entry of a hook's delivery list. */
const deliverySchema = z.object({
  id: z.number().int(),
  guid: z.string(),
  status_code: z.number().int(),
  delivered_at: z.string(),
});
type HookDelivery = z.output<typeof deliverySchema>;

/** A webhook whose deliveries recovery reads: a repository's, or the GitHub App's. */
interface Hook {
  /** `app`, or the repository hook's id: where the store keeps its position. */
  key: string;
  octokit: GitHub;
  list: string;
  redeliver: string;
  params: Record<string, unknown>;
}

export interface DeliveryRecoveryOptions {
  clients: GitHubClients;
  store: HookStore;
  /** Repositories (`owner/name`) of the configured apps: only their hooks are read. */
  repos: string[];
  log: Logger;
  signal: AbortSignal;
  now?: () => number;
}

/** What one run did for one hook. */
export interface HookRecovery {
  hook: string;
  /** Deliveries read since the last position. */
  read: number;
  /** GUIDs GitHub was asked to redeliver. */
  redelivered: string[];
  /** Why the run stopped early (the position stays where it was). */
  error?: string;
}

/**
 * Asks GitHub to redeliver every webhook delivery that failed and never reached the inbox,
 * as GitHub recommends ("Automatically redelivering failed deliveries"). Per hook, it lists
 * the deliveries since its position, newest first; a GUID with a 2xx attempt, one in the
 * inbox and one already asked for are fine, every other is redelivered once (same GUID, so
 * the inbox dedupes). An API error stops that hook's run and keeps its position.
 */
export async function recoverDeliveries(options: DeliveryRecoveryOptions): Promise<HookRecovery[]> {
  const results: HookRecovery[] = [];
  for (const hook of await hooksOf(options)) {
    const result = await recoverHook(hook, options).catch((error: unknown) => {
      if (options.signal.aborted) throw error;
      options.log.warn({ hook: hook.key, reason: (error as Error).message }, 'cannot check the webhook for missed deliveries; the next run tries again');
      return { hook: hook.key, read: 0, redelivered: [], error: (error as Error).message };
    });
    results.push(result);
  }
  return results;
}

async function hooksOf({ clients, store, repos }: DeliveryRecoveryOptions): Promise<Hook[]> {
  const wanted = new Set(repos.map((repo) => repo.toLowerCase()));
  const hooks: Hook[] = [];
  for (const { hookId, repository } of await store.repositoryHooks()) {
    const [owner, repo] = repository.split('/');
    if (!wanted.has(repository.toLowerCase()) || owner === undefined || repo === undefined) continue;
    hooks.push({
      key: hookId,
      octokit: await clients.forRepo(repository),
      list: 'GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries',
      redeliver: 'POST /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts',
      params: { owner, repo, hook_id: Number(hookId) },
    });
  }
  const app = clients.forApp();
  if (app !== null) {
    hooks.push({ key: 'app', octokit: app, list: 'GET /app/hook/deliveries', redeliver: 'POST /app/hook/deliveries/{delivery_id}/attempts', params: {} });
  }
  return hooks;
}

async function recoverHook(hook: Hook, options: DeliveryRecoveryOptions): Promise<HookRecovery> {
  const { store, log, signal } = options;
  const now = options.now?.() ?? Date.now();
  const { read, complete } = await readSince(hook, await store.recoveryPosition(hook.key), now, signal);
  if (!complete) {
    log.warn({ hook: hook.key, read: read.length }, `more than ${MAX_PAGES * 100} webhook deliveries since the last check; older ones are not checked`);
  }
  const attempts = new Map<string, HookDelivery[]>();
  for (const delivery of read) attempts.set(delivery.guid, [...(attempts.get(delivery.guid) ?? []), delivery]);
  const failed = [...attempts].filter(([, tries]) => !tries.some((d) => d.status_code >= 200 && d.status_code < 300));
  const missed = new Set(await store.missedDeliveries(failed.map(([guid]) => guid)));
  const asked: string[] = [];
  const forgetBefore = now - DELIVERY_RETENTION_MS;
  // Oldest first, each by its newest attempt (the list is newest first).
  for (const [guid, tries] of failed.reverse()) {
    if (!missed.has(guid)) continue;
    try {
      await call(hook.octokit, hook.redeliver, { ...hook.params, delivery_id: tries[0]?.id }, z.unknown(), { signal });
    } catch (error) {
      await store.recordRecovery({ hook: hook.key, asked, forgetBefore });
      throw error;
    }
    asked.push(guid);
  }
  const settled = read.filter((delivery) => Date.parse(delivery.delivered_at) <= now - SETTLE_MS);
  const position = settled.length === 0 ? undefined : Math.max(...settled.map((delivery) => delivery.id));
  await store.recordRecovery({ hook: hook.key, asked, forgetBefore, ...(position === undefined ? {} : { position }) });
  if (asked.length > 0) log.info({ hook: hook.key, guids: asked }, 'asked GitHub to redeliver webhook deliveries that never arrived');
  return { hook: hook.key, read: read.length, redelivered: asked };
}

/**
 * Deliveries newer than `position` (on the first run: within GitHub's retention), newest
 * first; `complete` is false when the page bound stopped the read first.
 */
async function readSince(hook: Hook, position: number | null, now: number, signal: AbortSignal) {
  const read: HookDelivery[] = [];
  const isNew = (delivery: HookDelivery) =>
    position === null ? Date.parse(delivery.delivered_at) >= now - DELIVERY_RETENTION_MS : delivery.id > position;
  const list = pages(hook.octokit, hook.list, { ...hook.params, per_page: 100 }, deliverySchema, { signal, maxPages: MAX_PAGES });
  for await (const page of list) {
    const fresh = page.items.filter(isNew);
    read.push(...fresh);
    if (fresh.length < page.items.length || !page.more) return { read, complete: true };
  }
  return { read, complete: false };
}
