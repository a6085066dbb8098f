import { describe } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/temp.js';
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

const openSqlite: StoreFactory = async (t) => {
  const store = await SqliteStore.open(tempDir(t));
  t.after(() => store.close());
  return store;
};

describe('the SQLite store keeps the Store contract', () => {
  inboxContract(openSqlite);
  claimsContract(openSqlite);
  environmentsContract(openSqlite);
  historyContract(openSqlite);
  rollbackContract(openSqlite);
  reportsContract(openSqlite);
  commentRequestsContract(openSqlite);
  signalsContract(openSqlite);
  approvalsContract(openSqlite);
  commandsContract(openSqlite);
  dashboardContract(openSqlite);
  notificationsContract(openSqlite);
  retentionContract(openSqlite);
  sizesContract(openSqlite);
});
