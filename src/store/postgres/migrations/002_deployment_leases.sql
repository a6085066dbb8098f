-- The environment lease (name and fencing token) a deployment began or started under. While
-- that tenure lasts its holder runs it; once it is over (expired, released, taken over) nobody
-- does, and it is interrupted. NULL: recorded before these columns, no tenure.
ALTER TABLE deployments ADD COLUMN lease TEXT;
ALTER TABLE deployments ADD COLUMN lease_token BIGINT;
