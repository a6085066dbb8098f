-- The routers' routes, shared by the replicas: where each environment's traffic goes (the
-- JSON of a Route, see src/domain/routes.ts). The replica whose target switched a route writes
-- it; every replica's router follows, told by NOTIFY (the work kind 'routes') and by polling.
CREATE TABLE routes (
  app        TEXT        NOT NULL,
  env        TEXT        NOT NULL,
  route      TEXT        NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (app, env)
);

CREATE TRIGGER routes_changed AFTER INSERT OR UPDATE OR DELETE ON routes
  FOR EACH STATEMENT EXECUTE FUNCTION slipway_notify_work('routes');
