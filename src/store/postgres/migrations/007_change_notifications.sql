-- More word between replicas sharing the database (work-listener.ts), NOTIFYed like 003's within
-- the transaction that brings it, so it goes out at commit: once per transaction and payload,
-- however many rows it touched, and never for what was rolled back.
CREATE FUNCTION slipway_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(TG_ARGV[0], TG_ARGV[1]);
  RETURN NULL;
END
$$;

-- Work for the notifier on the replica holding the notifications schedule: events recorded in
-- the outbox to queue (a deployment ended, waits, an environment was destroyed) ...
CREATE TRIGGER notification_events_recorded AFTER INSERT ON notification_events
  FOR EACH STATEMENT EXECUTE FUNCTION slipway_notify('slipway_work', 'notifications');
-- ... and a failed notification resent (slipway notifications resend, on any replica).
CREATE TRIGGER notifications_resent AFTER UPDATE OF state ON notifications
  FOR EACH ROW WHEN (NEW.state = 'pending' AND OLD.state <> 'pending')
  EXECUTE FUNCTION slipway_notify('slipway_work', 'notifications');

-- What the dashboard shows changed, on the channel slipway_changes; the payload is the topic
-- (store/changes.ts), and open pages fetch themselves again. Claims of deliveries and a use of an
-- environment recorded (a request through the router) say nothing, as they tell nothing to the
-- dashboard of the replica that writes them either.
CREATE TRIGGER deliveries_added AFTER INSERT ON deliveries
  FOR EACH STATEMENT EXECUTE FUNCTION slipway_notify('slipway_changes', 'deliveries');
CREATE TRIGGER deliveries_status_changed AFTER UPDATE OF status ON deliveries
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION slipway_notify('slipway_changes', 'deliveries');

CREATE TRIGGER environments_added AFTER INSERT ON environments
  FOR EACH STATEMENT EXECUTE FUNCTION slipway_notify('slipway_changes', 'environments');
CREATE TRIGGER environments_updated AFTER UPDATE ON environments
  FOR EACH ROW WHEN ((to_jsonb(OLD) - 'used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'used_at'))
  EXECUTE FUNCTION slipway_notify('slipway_changes', 'environments');

CREATE TRIGGER deployments_added AFTER INSERT ON deployments
  FOR EACH STATEMENT EXECUTE FUNCTION slipway_notify('slipway_changes', 'deployments');
CREATE TRIGGER deployments_updated AFTER UPDATE ON deployments
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION slipway_notify('slipway_changes', 'deployments');
-- A deployment's timeline, and the CI signals its gate waits on, show with it.
CREATE TRIGGER deployment_timeline_added AFTER INSERT ON deployment_timeline
  FOR EACH STATEMENT EXECUTE FUNCTION slipway_notify('slipway_changes', 'deployments');
CREATE TRIGGER ci_signals_recorded AFTER INSERT ON ci_signals
  FOR EACH STATEMENT EXECUTE FUNCTION slipway_notify('slipway_changes', 'deployments');
