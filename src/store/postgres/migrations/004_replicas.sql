-- The slipway processes sharing this database, each beating its heart a third of the engine's
-- lease apart: one whose heartbeat is older than the lease is gone. Times are the database's
-- clock (replicas' clocks may differ). A replica's own row is removed when it stops; rows of
-- replicas that died are forgotten a day after their last heartbeat.
CREATE TABLE replicas (
  id           TEXT        PRIMARY KEY,
  host         TEXT        NOT NULL,
  pid          INTEGER     NOT NULL,
  -- Apps it runs on the process target, which serve from its own machine only.
  process_apps TEXT[]      NOT NULL,
  started_at   TIMESTAMPTZ NOT NULL,
  heartbeat_at TIMESTAMPTZ NOT NULL
);
