-- Rows a run left for a person: something on the other side looked like them. A later
-- unattended run never creates one as "clearly new" (a score moves as records arrive on
-- either side: it depends on its rivals); a person's choice for the row releases it.
CREATE TABLE review_holds (
    entity     VARCHAR NOT NULL,  -- customers | products (Atera id), imports | adds (Xero id)
    record_id  VARCHAR NOT NULL,
    reason     VARCHAR NOT NULL,  -- the first run's reason, kept as it was
    run_id     VARCHAR,
    held_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (entity, record_id)
);
