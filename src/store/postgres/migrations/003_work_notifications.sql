-- Replicas sharing the database LISTEN on the channel slipway_work (work-listener.ts). These
-- triggers NOTIFY it when work arrives, within the transaction that brings it, so the word goes
-- out when it commits (and never for work rolled back). The payload names the kind of work.
CREATE FUNCTION slipway_notify_work() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('slipway_work', TG_ARGV[0]);
  RETURN NULL;
END
$$;

-- Deliveries to dispatch: one word per insert statement (a group commit's whole batch) ...
CREATE TRIGGER deliveries_inserted AFTER INSERT ON deliveries
  FOR EACH STATEMENT EXECUTE FUNCTION slipway_notify_work('deliveries');
-- ... and a delivery pending and unclaimed again: requeued, or released by a dispatcher that
-- stopped. A claim, its renewal or a finish says nothing: no dispatcher has new work then.
CREATE TRIGGER deliveries_pending_again AFTER UPDATE OF status, claimed_by ON deliveries
  FOR EACH ROW WHEN (NEW.status = 'pending' AND NEW.claimed_by IS NULL AND (OLD.status <> 'pending' OR OLD.claimed_by IS NOT NULL))
  EXECUTE FUNCTION slipway_notify_work('deliveries');

-- Environments to converge: a new desired state (a new environment, or a new generation).
-- What the reconciler itself records (observed state, deployments) says nothing.
CREATE TRIGGER environments_created AFTER INSERT ON environments
  FOR EACH ROW WHEN (NEW.generation > NEW.observed_generation)
  EXECUTE FUNCTION slipway_notify_work('environments');
CREATE TRIGGER environments_changed AFTER UPDATE OF generation ON environments
  FOR EACH ROW WHEN (NEW.generation > OLD.generation AND NEW.generation > NEW.observed_generation)
  EXECUTE FUNCTION slipway_notify_work('environments');
