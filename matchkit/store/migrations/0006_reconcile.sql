-- Reconciliation: per exported invoice, Atera's figures beside what Xero holds, and why they
-- differ. Append-only; reconcile_state is the latest check per organisation and invoice.
CREATE SEQUENCE IF NOT EXISTS reconcile_seq START 1;
CREATE TABLE reconcile_log (
    event_id        BIGINT PRIMARY KEY,
    run_id          VARCHAR NOT NULL,
    tenant_id       VARCHAR NOT NULL,
    atera_invoice   VARCHAR NOT NULL,
    xero_number     VARCHAR,
    xero_invoice_id VARCHAR,
    atera_subtotal  DECIMAL(18, 4),     -- Atera's subtotal before tax, as Atera states it
    atera_tax       DECIMAL(18, 4),     -- Atera's tax: dropped, never sent
    sent_subtotal   DECIMAL(18, 2),     -- what the lines sent come to in Xero's arithmetic
    xero_subtotal   DECIMAL(18, 2),     -- credit notes negative, as in Atera
    xero_tax        DECIMAL(18, 2),
    xero_total      DECIMAL(18, 2),
    difference      DECIMAL(18, 4),     -- xero_total - atera_subtotal
    rounding        DECIMAL(18, 4),     -- the part of it per-line rounding explains
    reason          VARCHAR NOT NULL,
    error           BOOLEAN NOT NULL,
    checked_at      TIMESTAMPTZ NOT NULL
);

CREATE VIEW reconcile_state AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY tenant_id, atera_invoice ORDER BY event_id DESC) AS rn
    FROM reconcile_log
) WHERE rn = 1;
