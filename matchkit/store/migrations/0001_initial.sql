-- Workspace schema v1: snapshots, decisions, export log, connections, settings.
-- Per-entity snapshot tables are created from the entity registry (matchkit/store/_entities.py).

CREATE SEQUENCE IF NOT EXISTS snapshot_seq START 1;
CREATE TABLE snapshots (
    snapshot_id      BIGINT PRIMARY KEY,
    system           VARCHAR NOT NULL,      -- 'atera' | 'xero'
    entity           VARCHAR NOT NULL,      -- 'customers', 'contacts', ...
    taken_at         TIMESTAMPTZ NOT NULL,
    row_count        BIGINT NOT NULL,
    source           VARCHAR NOT NULL,      -- 'api' or 'file:<path>'
    mode             VARCHAR NOT NULL,      -- 'full' | 'incremental' | 'file'
    base_snapshot_id BIGINT,                -- for incremental pulls: the snapshot merged into
    changed_since    TIMESTAMPTZ,           -- for incremental pulls: the If-Modified-Since used
    note             VARCHAR
);

-- Append-only: the current state is a view, nothing is overwritten.
CREATE SEQUENCE IF NOT EXISTS decision_seq START 1;
CREATE TABLE decisions (
    decision_id  BIGINT PRIMARY KEY,
    entity       VARCHAR NOT NULL,   -- 'customers' | 'products' | 'imports'
    atera_id     VARCHAR,            -- customers: CustomerID; products: 'product:ID' | 'expense:ID' | 'labour:KEY'
    xero_id      VARCHAR,            -- ContactID / ItemID (NULL for create-before-created, unmatch, clear)
    action       VARCHAR NOT NULL,   -- 'match' | 'create' | 'unmatch' | 'import' | 'clear'
    method       VARCHAR,            -- 'exact' | 'normalised' | 'fuzzy' | 'evidence' | 'manual' | 'created' | 'bulk' | 'file'
    score        DOUBLE,
    who          VARCHAR,
    decided_at   TIMESTAMPTZ NOT NULL,
    run_id       VARCHAR,            -- wizard run / review session / file apply that wrote it
    note         VARCHAR
);

CREATE VIEW current_decisions AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY entity, coalesce(atera_id, xero_id) ORDER BY decision_id DESC) AS rn
    FROM decisions
) WHERE rn = 1;

-- The export log: one row per event; export_state is the latest per invoice and organisation.
CREATE SEQUENCE IF NOT EXISTS export_event_seq START 1;
CREATE TABLE export_log (
    event_id          BIGINT PRIMARY KEY,
    batch_id          VARCHAR NOT NULL,
    tenant_id         VARCHAR NOT NULL,
    atera_invoice     VARCHAR NOT NULL,  -- Atera InvoiceNumber as text
    xero_number       VARCHAR,           -- InvoiceNumber sent to / given by Xero
    xero_invoice_id   VARCHAR,
    xero_type         VARCHAR,           -- 'ACCREC' or 'ACCRECCREDIT'
    idempotency_key   VARCHAR,
    status            VARCHAR NOT NULL,  -- 'planned' | 'sending' | 'exported' | 'failed' | 'refused' | 'unknown'
    error             VARCHAR,
    attempts          INTEGER NOT NULL DEFAULT 0,
    link              VARCHAR,
    sent_total        DECIMAL(18, 2),
    atera_tax         DECIMAL(18, 2),
    xero_subtotal     DECIMAL(18, 2),
    xero_tax          DECIMAL(18, 2),
    xero_total        DECIMAL(18, 2),
    xero_status       VARCHAR,
    amount_due        DECIMAL(18, 2),
    amount_paid       DECIMAL(18, 2),
    payload           JSON,
    logged_at         TIMESTAMPTZ NOT NULL
);

CREATE VIEW export_state AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY tenant_id, atera_invoice ORDER BY event_id DESC) AS rn
    FROM export_log
) WHERE rn = 1;

CREATE SEQUENCE IF NOT EXISTS connection_seq START 1;
CREATE TABLE connections (
    connection_id    BIGINT PRIMARY KEY,
    system           VARCHAR NOT NULL,      -- 'xero' | 'atera'
    tenant_id        VARCHAR,
    tenant_name      VARCHAR,
    short_code       VARCHAR,
    xero_connection  VARCHAR,               -- the id used by DELETE /connections/{id}
    base_url         VARCHAR,
    connected_at     TIMESTAMPTZ NOT NULL,
    disconnected_at  TIMESTAMPTZ,
    setup_done_at    TIMESTAMPTZ,           -- when the wizard's Done completed
    note             VARCHAR
);

CREATE TABLE settings (
    key        VARCHAR PRIMARY KEY,
    value      JSON,
    updated_at TIMESTAMPTZ NOT NULL
);
