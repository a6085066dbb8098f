import type Database from 'better-sqlite3';

/**
 * Numbered migrations, applied in order, each once. A landed migration is never edited:
 * add the next number instead.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'inbox',
    sql: `
      CREATE TABLE deliveries (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        id           TEXT    NOT NULL UNIQUE,
        event        TEXT    NOT NULL,
        action       TEXT,
        hook_id      TEXT,
        target_type  TEXT,
        target_id    TEXT,
        repository   TEXT,
        received_at  INTEGER NOT NULL,
        status       TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'processed', 'ignored', 'failed')),
        error        TEXT,
        processed_at INTEGER
      );
      -- The dispatcher's queue. Listing by event or status walks seq backwards instead of
      -- keeping two more indexes that every insert and status change would write.
      CREATE INDEX deliveries_pending ON deliveries (seq) WHERE status = 'pending';

      -- Payloads apart from the rows whose status changes, so a status update rewrites a
      -- few bytes, not the payload. 'br' is Brotli of the JSON text.
      CREATE TABLE delivery_payloads (
        seq      INTEGER PRIMARY KEY REFERENCES deliveries (seq) ON DELETE CASCADE,
        encoding TEXT    NOT NULL CHECK (encoding IN ('br')),
        body     BLOB    NOT NULL
      );

      CREATE TABLE hooks (
        id         TEXT    PRIMARY KEY,
        type       TEXT,
        events     TEXT    NOT NULL,
        repository TEXT,
        seen_at    INTEGER NOT NULL
      );

      CREATE TABLE leases (
        name       TEXT    PRIMARY KEY,
        holder     TEXT    NOT NULL,
        token      INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'environments',
    sql: `
      CREATE TABLE environments (
        id                  INTEGER PRIMARY KEY,
        app                 TEXT    NOT NULL,
        name                TEXT    NOT NULL,
        present             INTEGER NOT NULL DEFAULT 1,
        desired_ref         TEXT,
        pinned_sha          TEXT,
        generation          INTEGER NOT NULL DEFAULT 1,
        observed_generation INTEGER NOT NULL DEFAULT 0,
        observed_sha        TEXT,
        state               TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN
                              ('pending', 'waiting', 'deploying', 'ready', 'failed', 'destroying', 'destroyed')),
        url                 TEXT,
        pr                  INTEGER,
        branch              TEXT,
        ttl_ms              INTEGER,
        last_commit_at      INTEGER,
        expires_at          INTEGER,
        last_trigger        TEXT,
        last_delivery       TEXT,
        -- The source time of the newest event applied (a pull request's updated_at).
        event_at            INTEGER,
        -- When the webhook that last changed the desired state arrived (for the deploy latency).
        requested_at        INTEGER,
        created_at          INTEGER NOT NULL,
        updated_at          INTEGER NOT NULL,
        UNIQUE (app, name)
      );
      -- The reconciler's queue: environments whose desired state it has not reached.
      CREATE INDEX environments_unconverged ON environments (id) WHERE generation > observed_generation;

      CREATE TABLE deployments (
        id             INTEGER PRIMARY KEY,
        environment_id INTEGER NOT NULL REFERENCES environments (id),
        generation     INTEGER NOT NULL,
        sha            TEXT,
        ref            TEXT,
        trigger        TEXT,
        delivery_id    TEXT,
        state          TEXT    NOT NULL CHECK (state IN
                         ('queued', 'waiting', 'in_progress', 'success', 'failure', 'error', 'inactive')),
        error          TEXT,
        log            TEXT    NOT NULL DEFAULT '',
        created_at     INTEGER NOT NULL,
        started_at     INTEGER,
        finished_at    INTEGER
      );
      CREATE INDEX deployments_by_environment ON deployments (environment_id, id);
      CREATE INDEX deployments_unfinished ON deployments (id) WHERE finished_at IS NULL;

      CREATE TABLE deployment_timeline (
        deployment_id INTEGER NOT NULL REFERENCES deployments (id),
        at            INTEGER NOT NULL,
        state         TEXT    NOT NULL,
        message       TEXT    NOT NULL
      );
      CREATE INDEX deployment_timeline_by_deployment ON deployment_timeline (deployment_id, at);
    `,
  },
  {
    version: 3,
    name: 'ci signals, rollback and GitHub deployments',
    sql: `
      -- The configured environment (name or template) each environment comes from: its gate and rollback.
      ALTER TABLE environments ADD COLUMN rule TEXT;
      -- A sha that failed and was rolled back; following the ref skips it until a new commit.
      ALTER TABLE environments ADD COLUMN quarantined_sha TEXT;
      ALTER TABLE environments ADD COLUMN github_deployment_id INTEGER;
      ALTER TABLE environments ADD COLUMN artifact_run_id INTEGER;
      ALTER TABLE deployments ADD COLUMN github_deployment_id INTEGER;
      ALTER TABLE deployments ADD COLUMN artifact_run_id INTEGER;
      CREATE INDEX deployments_by_github_deployment ON deployments (github_deployment_id)
        WHERE github_deployment_id IS NOT NULL;
      CREATE INDEX deployments_waiting ON deployments (id) WHERE state = 'waiting';
      CREATE INDEX deployments_by_sha ON deployments (sha);

      -- The latest report of each CI signal (check run, check suite, status, workflow run) per commit.
      CREATE TABLE ci_signals (
        repo        TEXT    NOT NULL COLLATE NOCASE,
        sha         TEXT    NOT NULL,
        kind        TEXT    NOT NULL CHECK (kind IN ('check_run', 'check_suite', 'status', 'workflow_run')),
        name        TEXT    NOT NULL,
        app         TEXT,
        state       TEXT    NOT NULL CHECK (state IN ('pending', 'success', 'failure')),
        conclusion  TEXT,
        url         TEXT,
        ord_id      INTEGER NOT NULL,
        ord_attempt INTEGER NOT NULL,
        ord_phase   INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (repo, sha, kind, name)
      ) WITHOUT ROWID;
      CREATE INDEX ci_signals_by_age ON ci_signals (received_at);
    `,
  },
  {
    version: 4,
    name: 'process restarts',
    sql: `
      -- What the target reports of the running release: restarts after crashes, the last exit.
      ALTER TABLE environments ADD COLUMN restarts INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE environments ADD COLUMN last_exit TEXT;
    `,
  },
  {
    version: 5,
    name: 'reports to GitHub',
    sql: `
      -- The last state settled with GitHub: posted there, or skipped as outdated. NULL: none yet.
      -- 'inactive' is final. Deployments made before this migration count as reported, so an
      -- upgrade does not send GitHub the whole history.
      ALTER TABLE deployments ADD COLUMN reported_state TEXT;
      UPDATE deployments SET reported_state = state;
      -- The reporter's queue.
      CREATE INDEX deployments_unreported ON deployments (id)
        WHERE reported_state IS NOT state AND reported_state IS NOT 'inactive';
      -- Deployments GitHub shows as running: a newer success or a destroy makes them inactive.
      CREATE INDEX deployments_reported_live ON deployments (environment_id)
        WHERE reported_state IN ('success', 'failure', 'error');
      -- The one comment per pull request that lists its previews, and the body last posted.
      CREATE TABLE pr_comments (
        repo       TEXT    NOT NULL COLLATE NOCASE,
        pr         INTEGER NOT NULL,
        comment_id INTEGER NOT NULL,
        body       TEXT    NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (repo, pr)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: 'webhook delivery recovery',
    sql: `
      -- The newest GitHub delivery id that recovery has read, per hook ('app' for the App's hook).
      CREATE TABLE recovery_positions (
        hook        TEXT    PRIMARY KEY,
        delivery_id INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      );
      -- Deliveries (by GUID) slipway asked GitHub to redeliver, so it asks once; forgotten after GitHub's retention.
      CREATE TABLE redeliveries (
        guid     TEXT    PRIMARY KEY,
        hook     TEXT    NOT NULL,
        asked_at INTEGER NOT NULL
      );
      CREATE INDEX redeliveries_by_age ON redeliveries (asked_at);
    `,
  },
  {
    version: 7,
    name: 'fork previews by approval',
    sql: `
      -- A pull request from a fork: untrusted code, never given secret variables.
      ALTER TABLE environments ADD COLUMN fork INTEGER NOT NULL DEFAULT 0;

      -- Per fork pull request under forks: approve: the head slipway last saw, and the approval
      -- ('requested' while a /slipway deploy comment is checked) with the head it holds for.
      CREATE TABLE fork_approvals (
        repo       TEXT    NOT NULL COLLATE NOCASE,
        pr         INTEGER NOT NULL,
        state      TEXT    NOT NULL CHECK (state IN ('awaiting', 'requested', 'approved', 'refused')),
        head_sha   TEXT,
        sha        TEXT,
        by_login   TEXT,
        reason     TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (repo, pr)
      );
      CREATE INDEX fork_approvals_requested ON fork_approvals (updated_at) WHERE state = 'requested';
    `,
  },
  {
    version: 8,
    name: 'pull request commands',
    sql: `
      -- Kept by /slipway keep or the slipway:keep label: no TTL, no sleep.
      ALTER TABLE environments ADD COLUMN keep INTEGER NOT NULL DEFAULT 0;
      -- The head the last follow named: a follow that names another brings a new commit (the TTL counts from it).
      ALTER TABLE environments ADD COLUMN head_sha TEXT;
      -- Destroyed by /slipway destroy: a follow of the same head does not bring it back, the next push does.
      ALTER TABLE environments ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
      -- /slipway redeploy: the head deploys again even when it runs or failed; cleared when a deployment begins.
      ALTER TABLE environments ADD COLUMN redeploy INTEGER NOT NULL DEFAULT 0;

      -- One row per command comment (a replayed delivery adds none): checked, decided, reacted to.
      CREATE TABLE pr_commands (
        repo        TEXT    NOT NULL COLLATE NOCASE,
        comment_id  INTEGER NOT NULL,
        pr          INTEGER NOT NULL,
        -- 0 for a plain issue: its command is refused, and it gets no preview comment.
        on_pr       INTEGER NOT NULL,
        login       TEXT,
        text        TEXT    NOT NULL,
        delivery_id TEXT    NOT NULL,
        state       TEXT    NOT NULL CHECK (state IN ('received', 'done', 'refused', 'failed')),
        outcome     TEXT,
        reaction    TEXT    CHECK (reaction IN ('eyes', 'rocket', 'confused')),
        received_at INTEGER NOT NULL,
        decided_at  INTEGER,
        PRIMARY KEY (repo, comment_id)
      );
      CREATE INDEX pr_commands_open ON pr_commands (received_at)
        WHERE state = 'received' OR reaction IS NULL OR reaction = 'eyes';
      CREATE INDEX pr_commands_by_pr ON pr_commands (repo, pr, received_at);
    `,
  },
  {
    version: 9,
    name: 'environments that sleep',
    sql: `
      -- When its release was stopped for idling (null: awake). The state column stays as it was
      -- (its CHECK predates sleep, and SQLite cannot alter a CHECK): a ready environment with
      -- slept_at set reads as 'sleeping'.
      ALTER TABLE environments ADD COLUMN slept_at INTEGER;
      -- How often a request woke it.
      ALTER TABLE environments ADD COLUMN wakes INTEGER NOT NULL DEFAULT 0;
      -- When it was last used (a request through the router, else its last deploy): the least
      -- recently used preview sleeps first when a template's cap is reached.
      ALTER TABLE environments ADD COLUMN used_at INTEGER;
    `,
  },
  {
    version: 10,
    name: 'what built a release',
    sql: `
      -- What the target said a successful deployment's release was built by (manifest, detected
      -- rule, Dockerfile), and on the environment that of the release it runs. NULL: not said.
      ALTER TABLE deployments ADD COLUMN built_by TEXT;
      ALTER TABLE environments ADD COLUMN built_by TEXT;
    `,
  },
  {
    version: 11,
    name: 'no endless retries, redeploys on config changes',
    sql: `
      -- The commit whose deployment last failed here and the digest of the config it failed
      -- with: the periodic resync does not deploy that pair again.
      ALTER TABLE environments ADD COLUMN failed_sha TEXT;
      ALTER TABLE environments ADD COLUMN failed_config TEXT;
      -- A config change asks to deploy the environment again, even the sha it runs, with the
      -- redeploy flag migration 8 added for /slipway redeploy.
    `,
  },
  {
    version: 13,
    name: 'what a delivery changed, deployments by finish time',
    sql: `
      -- A delivery's page lists the deployments it started and the environments it changed last.
      CREATE INDEX deployments_by_delivery ON deployments (delivery_id) WHERE delivery_id IS NOT NULL;
      CREATE INDEX environments_by_last_delivery ON environments (last_delivery) WHERE last_delivery IS NOT NULL;
      -- The overview reads the deployments that finished in the last day.
      CREATE INDEX deployments_by_finish ON deployments (finished_at) WHERE finished_at IS NOT NULL;
    `,
  },
  {
    version: 14,
    name: 'notifications outbox',
    sql: `
      -- Why the environment was last asked to be destroyed (PR closed, TTL, branch deleted):
      -- the notification that it was destroyed says so.
      ALTER TABLE environments ADD COLUMN destroy_reason TEXT;
      -- While a rollback is under way: the sha it goes back from, and why. The success of the
      -- deployment that carries it out is notified as rolled-back; any outcome clears them.
      ALTER TABLE environments ADD COLUMN rollback_from TEXT;
      ALTER TABLE environments ADD COLUMN rollback_reason TEXT;
      -- Events recorded in the transaction of the change that caused them, until the notifier
      -- queues them for their receivers (facts: JSON, as NotificationFacts).
      CREATE TABLE notification_events (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        facts      TEXT    NOT NULL,
        created_at INTEGER NOT NULL
      );
      -- One notification per event and receiver; id is the delivery id every try sends.
      CREATE TABLE notifications (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        id              TEXT    NOT NULL UNIQUE,
        receiver        TEXT    NOT NULL,
        event           TEXT    NOT NULL,
        app             TEXT    NOT NULL,
        env             TEXT    NOT NULL,
        facts           TEXT    NOT NULL,
        state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        created_at      INTEGER NOT NULL,
        since           INTEGER NOT NULL,
        next_at         INTEGER NOT NULL,
        last_attempt_at INTEGER,
        last_status     INTEGER,
        last_answer     TEXT,
        last_error      TEXT,
        finished_at     INTEGER
      );
      -- Each receiver's queue, in order.
      CREATE INDEX notifications_queue ON notifications (receiver, seq) WHERE state = 'pending';
      CREATE INDEX notifications_finished ON notifications (finished_at) WHERE state != 'pending';
    `,
  },
  {
    version: 15,
    name: 'dispatch claims',
    sql: `
      -- Several dispatchers may share the inbox (replicas on one database): each claims pending
      -- deliveries for a while before applying them (InboxStore.claimDeliveries says the rules).
      -- Cleared when the delivery is finished, requeued or released.
      ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
      ALTER TABLE deliveries ADD COLUMN claim_expires INTEGER;
      -- Every claim reads the claims held, which are few: the batches in hand.
      CREATE INDEX deliveries_claimed ON deliveries (claim_expires) WHERE status = 'pending' AND claimed_by IS NOT NULL;
    `,
  },
  {
    version: 16,
    name: 'the lease a deployment runs under',
    sql: `
      -- The environment lease (name and fencing token) a deployment began or started under.
      -- While that tenure lasts its holder runs it; once it is over (expired, released, taken
      -- over) nobody does, and it is interrupted. NULL: recorded before this column, no tenure.
      ALTER TABLE deployments ADD COLUMN lease TEXT;
      ALTER TABLE deployments ADD COLUMN lease_token INTEGER;
    `,
  },
  {
    version: 17,
    name: 'pull request comments asked for',
    sql: `
      -- Pull requests whose comment is to be brought up to date (a fork approval, a command, an
      -- environment changed), until the reporter has done it. Asking again replaces the row, so it
      -- gets a new seq: AUTOINCREMENT never reuses one, and the reporter forgets a request by the
      -- seq it read, which leaves one asked again while it wrote the comment.
      CREATE TABLE comment_requests (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        repo         TEXT    NOT NULL COLLATE NOCASE,
        pr           INTEGER NOT NULL,
        requested_at INTEGER NOT NULL,
        UNIQUE (repo, pr)
      );
    `,
  },
];

/** Applies what is missing; running it again is harmless. Returns the versions applied. */
export function migrate(db: Database.Database): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[],
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const done: number[] = [];
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }).immediate();
    done.push(migration.version);
  }
  return done;
}
