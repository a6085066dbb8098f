-- Pull requests whose comment is to be brought up to date (a fork approval, a command, an
-- environment changed), asked by any replica and carried out by the one that reports, until it
-- has done it. Asking again gives the row a new seq from the sequence, which never hands one out
-- twice: the reporter forgets a request by the seq it read, which leaves one asked again while
-- it wrote the comment.
CREATE TABLE comment_requests (
  seq          BIGSERIAL PRIMARY KEY,
  repo         TEXT   NOT NULL,
  pr           BIGINT NOT NULL,
  requested_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX comment_requests_key ON comment_requests (lower(repo), pr);

-- The replica that reports hears of a request at once (work-listener.ts): one word per insert
-- statement, which an upsert that asks again fires too (ON CONFLICT DO UPDATE runs the
-- statement-level triggers of INSERT).
CREATE TRIGGER comment_requests_asked AFTER INSERT ON comment_requests
  FOR EACH STATEMENT EXECUTE FUNCTION slipway_notify_work('comments');
