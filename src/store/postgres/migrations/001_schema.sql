-- The schema of the SQLite store as its migrations 1 to 14 left it, for PostgreSQL. Times are
-- milliseconds since the epoch as the application's clock gave them (BIGINT), except lease
-- expiries, which the database's clock sets and checks (replicas' clocks may differ).
-- Repositories compare case-insensitively, as GitHub names them: their keys are on lower(repo).

CREATE TABLE deliveries (
  seq          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id           TEXT    NOT NULL UNIQUE,
  event        TEXT    NOT NULL,
  action       TEXT,
  hook_id      TEXT,
  target_type  TEXT,
  target_id    TEXT,
  repository   TEXT,
  received_at  BIGINT  NOT NULL,
  status       TEXT    NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'processed', 'ignored', 'failed')),
  error        TEXT,
  processed_at BIGINT,
  -- Several dispatchers share the inbox: each claims pending deliveries for a while before
  -- applying them (InboxStore.claimDeliveries says the rules). claim_expires is the database's
  -- clock in ms. Cleared when the delivery is finished, requeued or released.
  claimed_by    TEXT,
  claim_expires BIGINT
);
-- The dispatcher's queue.
CREATE INDEX deliveries_pending ON deliveries (seq) WHERE status = 'pending';
-- Every claim reads the claims held, which are few: the batches in hand.
CREATE INDEX deliveries_claimed ON deliveries (claim_expires) WHERE status = 'pending' AND claimed_by IS NOT NULL;

-- Payloads apart from the rows whose status changes. 'br' is Brotli of the JSON text, so the
-- server does not try to compress it again.
CREATE TABLE delivery_payloads (
  seq      BIGINT PRIMARY KEY REFERENCES deliveries (seq) ON DELETE CASCADE,
  encoding TEXT   NOT NULL CHECK (encoding IN ('br')),
  body     BYTEA  NOT NULL
);
ALTER TABLE delivery_payloads ALTER COLUMN body SET STORAGE EXTERNAL;

CREATE TABLE hooks (
  id         TEXT   PRIMARY KEY,
  type       TEXT,
  events     TEXT[] NOT NULL,
  repository TEXT,
  seen_at    BIGINT NOT NULL
);

-- A released lease keeps its row (expired), so the next tenure's token still grows.
CREATE TABLE leases (
  name       TEXT        PRIMARY KEY,
  holder     TEXT        NOT NULL,
  token      BIGINT      NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE environments (
  id                   BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  app                  TEXT    NOT NULL,
  name                 TEXT    NOT NULL,
  present              BOOLEAN NOT NULL DEFAULT true,
  desired_ref          TEXT,
  pinned_sha           TEXT,
  generation           BIGINT  NOT NULL DEFAULT 1,
  observed_generation  BIGINT  NOT NULL DEFAULT 0,
  observed_sha         TEXT,
  -- A ready environment with slept_at set reads as 'sleeping', as in the SQLite store.
  state                TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN
                         ('pending', 'waiting', 'deploying', 'ready', 'failed', 'destroying', 'destroyed')),
  url                  TEXT,
  pr                   BIGINT,
  branch               TEXT,
  ttl_ms               BIGINT,
  last_commit_at       BIGINT,
  expires_at           BIGINT,
  last_trigger         TEXT,
  last_delivery        TEXT,
  event_at             BIGINT,
  requested_at         BIGINT,
  rule                 TEXT,
  quarantined_sha      TEXT,
  github_deployment_id BIGINT,
  artifact_run_id      BIGINT,
  restarts             BIGINT  NOT NULL DEFAULT 0,
  last_exit            TEXT,
  fork                 BOOLEAN NOT NULL DEFAULT false,
  keep                 BOOLEAN NOT NULL DEFAULT false,
  head_sha             TEXT,
  held                 BOOLEAN NOT NULL DEFAULT false,
  redeploy             BIGINT  NOT NULL DEFAULT 0,
  slept_at             BIGINT,
  wakes                BIGINT  NOT NULL DEFAULT 0,
  used_at              BIGINT,
  built_by             TEXT,
  failed_sha           TEXT,
  failed_config        TEXT,
  destroy_reason       TEXT,
  rollback_from        TEXT,
  rollback_reason      TEXT,
  created_at           BIGINT  NOT NULL,
  updated_at           BIGINT  NOT NULL,
  UNIQUE (app, name)
);
-- The reconciler's queue.
CREATE INDEX environments_unconverged ON environments (id) WHERE generation > observed_generation;
CREATE INDEX environments_by_last_delivery ON environments (last_delivery) WHERE last_delivery IS NOT NULL;

CREATE TABLE deployments (
  id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  environment_id       BIGINT NOT NULL REFERENCES environments (id),
  generation           BIGINT NOT NULL,
  sha                  TEXT,
  ref                  TEXT,
  trigger              TEXT,
  delivery_id          TEXT,
  github_deployment_id BIGINT,
  artifact_run_id      BIGINT,
  state                TEXT   NOT NULL CHECK (state IN
                           ('queued', 'waiting', 'in_progress', 'success', 'failure', 'error', 'inactive')),
  -- The last state settled with GitHub; NULL: none yet. 'inactive' is final.
  reported_state       TEXT,
  error                TEXT,
  log                  TEXT   NOT NULL DEFAULT '',
  built_by             TEXT,
  created_at           BIGINT NOT NULL,
  started_at           BIGINT,
  finished_at          BIGINT
);
CREATE INDEX deployments_by_environment ON deployments (environment_id, id);
CREATE INDEX deployments_unfinished ON deployments (id) WHERE finished_at IS NULL;
CREATE INDEX deployments_by_github_deployment ON deployments (github_deployment_id) WHERE github_deployment_id IS NOT NULL;
CREATE INDEX deployments_waiting ON deployments (id) WHERE state = 'waiting';
CREATE INDEX deployments_by_sha ON deployments (sha);
-- The reporter's queue, and the deployments GitHub shows as running.
CREATE INDEX deployments_unreported ON deployments (id)
  WHERE reported_state IS DISTINCT FROM state AND reported_state IS DISTINCT FROM 'inactive';
CREATE INDEX deployments_reported_live ON deployments (environment_id)
  WHERE reported_state IN ('success', 'failure', 'error');
CREATE INDEX deployments_by_delivery ON deployments (delivery_id) WHERE delivery_id IS NOT NULL;
CREATE INDEX deployments_by_finish ON deployments (finished_at) WHERE finished_at IS NOT NULL;

-- seq keeps entries of the same millisecond in the order they were written.
CREATE TABLE deployment_timeline (
  seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deployment_id BIGINT NOT NULL REFERENCES deployments (id),
  at            BIGINT NOT NULL,
  state         TEXT   NOT NULL,
  message       TEXT   NOT NULL
);
CREATE INDEX deployment_timeline_by_deployment ON deployment_timeline (deployment_id, at, seq);

-- The latest report of each CI signal per commit.
CREATE TABLE ci_signals (
  repo        TEXT   NOT NULL,
  sha         TEXT   NOT NULL,
  kind        TEXT   NOT NULL CHECK (kind IN ('check_run', 'check_suite', 'status', 'workflow_run')),
  name        TEXT   NOT NULL,
  app         TEXT,
  state       TEXT   NOT NULL CHECK (state IN ('pending', 'success', 'failure')),
  conclusion  TEXT,
  url         TEXT,
  ord_id      BIGINT NOT NULL,
  ord_attempt BIGINT NOT NULL,
  ord_phase   BIGINT NOT NULL,
  received_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX ci_signals_key ON ci_signals (lower(repo), sha, kind, name);
CREATE INDEX ci_signals_by_age ON ci_signals (received_at);

CREATE TABLE pr_comments (
  repo       TEXT   NOT NULL,
  pr         BIGINT NOT NULL,
  comment_id BIGINT NOT NULL,
  body       TEXT   NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX pr_comments_key ON pr_comments (lower(repo), pr);

CREATE TABLE recovery_positions (
  hook        TEXT   PRIMARY KEY,
  delivery_id BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);
CREATE TABLE redeliveries (
  guid     TEXT   PRIMARY KEY,
  hook     TEXT   NOT NULL,
  asked_at BIGINT NOT NULL
);
CREATE INDEX redeliveries_by_age ON redeliveries (asked_at);

CREATE TABLE fork_approvals (
  repo       TEXT   NOT NULL,
  pr         BIGINT NOT NULL,
  state      TEXT   NOT NULL CHECK (state IN ('awaiting', 'requested', 'approved', 'refused')),
  head_sha   TEXT,
  sha        TEXT,
  by_login   TEXT,
  reason     TEXT,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX fork_approvals_key ON fork_approvals (lower(repo), pr);
CREATE INDEX fork_approvals_requested ON fork_approvals (updated_at) WHERE state = 'requested';

-- seq keeps commands of the same millisecond in the order they arrived.
CREATE TABLE pr_commands (
  seq         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  repo        TEXT    NOT NULL,
  comment_id  BIGINT  NOT NULL,
  pr          BIGINT  NOT NULL,
  on_pr       BOOLEAN NOT NULL,
  login       TEXT,
  text        TEXT    NOT NULL,
  delivery_id TEXT    NOT NULL,
  state       TEXT    NOT NULL CHECK (state IN ('received', 'done', 'refused', 'failed')),
  outcome     TEXT,
  reaction    TEXT    CHECK (reaction IN ('eyes', 'rocket', 'confused')),
  received_at BIGINT  NOT NULL,
  decided_at  BIGINT
);
CREATE UNIQUE INDEX pr_commands_key ON pr_commands (lower(repo), comment_id);
CREATE INDEX pr_commands_open ON pr_commands (received_at)
  WHERE state = 'received' OR reaction IS NULL OR reaction = 'eyes';
CREATE INDEX pr_commands_by_pr ON pr_commands (lower(repo), pr, received_at);

-- json, not jsonb: the facts read back as the text written.
CREATE TABLE notification_events (
  seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  facts      JSON   NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE notifications (
  seq             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id              TEXT    NOT NULL UNIQUE,
  receiver        TEXT    NOT NULL,
  event           TEXT    NOT NULL,
  app             TEXT    NOT NULL,
  env             TEXT    NOT NULL,
  facts           JSON    NOT NULL,
  state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts        BIGINT  NOT NULL DEFAULT 0,
  created_at      BIGINT  NOT NULL,
  since           BIGINT  NOT NULL,
  next_at         BIGINT  NOT NULL,
  last_attempt_at BIGINT,
  last_status     INTEGER,
  last_answer     TEXT,
  last_error      TEXT,
  finished_at     BIGINT
);
CREATE INDEX notifications_queue ON notifications (receiver, seq) WHERE state = 'pending';
CREATE INDEX notifications_finished ON notifications (finished_at) WHERE state <> 'pending';
