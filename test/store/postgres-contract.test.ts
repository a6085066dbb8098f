import { describe } from 'node:test';
import { testDatabase } from '../helpers/postgres.js';
import { approvalsContract } from './contract/approvals.js';
import { commandsContract } from './contract/commands.js';
import { commentRequestsContract } from './contract/comment-requests.js';
import { dashboardContract } from './contract/dashboard.js';
import { environmentsContract } from './contract/environments.js';
import type { StoreFactory } from './contract/factory.js';
import { historyContract } from './contract/history.js';
import { claimsContract, inboxContract } from './contract/inbox.js';
import { notificationsContract } from './contract/notifications.js';
import { reportsContract } from './contract/reports.js';
import { retentionContract } from './contract/retention.js';
import { rollbackContract } from './contract/rollback.js';
import { signalsContract } from './contract/signals.js';
import { sizesContract } from './contract/sizes.js';

/** Each test gets a database of its own on the test server, dropped when it ends. */
const openPostgres: StoreFactory = async (t) => (await testDatabase(t)).open({ poolSize: 4 });

// The tests share nothing (a database each) and mostly wait on the server's disk: several at once.
describe('the PostgreSQL store keeps the Store contract', { concurrency: 4 }, () => {
  inboxContract(openPostgres);
  claimsContract(openPostgres);
  environmentsContract(openPostgres);
  historyContract(openPostgres);
  rollbackContract(openPostgres);
  reportsContract(openPostgres);
  commentRequestsContract(openPostgres);
  signalsContract(openPostgres);
  approvalsContract(openPostgres);
  commandsContract(openPostgres);
  dashboardContract(openPostgres);
  notificationsContract(openPostgres);
  retentionContract(openPostgres);
  sizesContract(openPostgres);
});
