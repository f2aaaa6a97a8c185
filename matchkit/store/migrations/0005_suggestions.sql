-- Suggestions as computed at a point in time, so status and review can show ambiguity and
-- scores without recomputing, and two runs can be compared. Never updated, only appended.
CREATE TABLE suggestions (
    run_id      VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,     -- 'customers' | 'products'
    left_id     VARCHAR NOT NULL,     -- Atera id as used in decisions
    right_id    VARCHAR,              -- Xero id (NULL: no candidate)
    score       DOUBLE,
    method      VARCHAR,
    rank        INTEGER,
    ambiguous   BOOLEAN,
    evidence    VARCHAR,
    left_name   VARCHAR,
    right_name  VARCHAR,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE VIEW latest_suggestions AS
SELECT s.* FROM suggestions s
JOIN (SELECT kind, arg_max(run_id, created_at) AS run_id FROM suggestions GROUP BY kind) l
  USING (kind, run_id);
