-- Export support: one export run per Xero organisation, batches, and the intents of
-- contact/item creation (written before anything is sent, so a crash leaves a trace).

-- At most one row per tenant; a row whose heartbeat is older than the staleness limit,
-- or whose owner process is gone, may be taken over.
CREATE TABLE export_locks (
    tenant_id     VARCHAR NOT NULL,
    run_id        VARCHAR NOT NULL,
    owner_pid     INTEGER NOT NULL,
    owner_host    VARCHAR NOT NULL,
    owner_cmd     VARCHAR,
    acquired_at   TIMESTAMPTZ NOT NULL,
    heartbeat_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE export_batches (
    batch_id       VARCHAR NOT NULL,
    tenant_id      VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,     -- 'api:2026-01-01..2026-01-31', 'file:<path>', 'selection'
    invoice_count  INTEGER NOT NULL,
    options        JSON,                 -- the export options used (no secrets)
    invoices       JSON,                 -- the Atera invoices of the batch, as given
    run_id         VARCHAR,
    created_at     TIMESTAMPTZ NOT NULL
);

-- Append-only, like the export log: the latest row per (tenant, kind, atera_id) counts.
CREATE SEQUENCE IF NOT EXISTS sync_intent_seq START 1;
CREATE TABLE xero_sync_log (
    event_id         BIGINT PRIMARY KEY,
    tenant_id        VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL,   -- 'contact' | 'item'
    atera_id         VARCHAR NOT NULL,
    name             VARCHAR NOT NULL,   -- the Name sent (contacts) / Name (items)
    code             VARCHAR,            -- items: the Code sent
    idempotency_key  VARCHAR,
    status           VARCHAR NOT NULL,   -- 'sending' | 'created' | 'found' | 'failed'
    xero_id          VARCHAR,
    error            VARCHAR,
    run_id           VARCHAR,
    logged_at        TIMESTAMPTZ NOT NULL
);

CREATE VIEW xero_sync_state AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY tenant_id, kind, atera_id ORDER BY event_id DESC) AS rn
    FROM xero_sync_log
) WHERE rn = 1;
