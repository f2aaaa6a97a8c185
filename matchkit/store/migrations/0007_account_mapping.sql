-- Accounts and tracking: which Xero revenue account and tracking options an exported line
-- gets, by the Atera category of its product/rate ('category') or the type of the invoice's
-- contract ('contract'). One row per rule; history in account_mapping_log.
CREATE TABLE account_mapping (
    kind          VARCHAR NOT NULL,     -- 'category' | 'contract'
    atera_key     VARCHAR NOT NULL,     -- e.g. 'Licences', or a ContractType 'RetainerFlatFee'
    account_code  VARCHAR,              -- Xero Account Code; NULL: the default account
    tracking      JSON,                 -- [{"category": name, "option": name}], at most 2
    updated_at    TIMESTAMPTZ NOT NULL,
    updated_by    VARCHAR,
    PRIMARY KEY (kind, atera_key)
);

CREATE SEQUENCE IF NOT EXISTS account_mapping_seq START 1;
CREATE TABLE account_mapping_log (
    event_id      BIGINT PRIMARY KEY,
    kind          VARCHAR NOT NULL,
    atera_key     VARCHAR NOT NULL,
    account_code  VARCHAR,
    tracking      JSON,
    action        VARCHAR NOT NULL,     -- 'set' | 'unset'
    updated_at    TIMESTAMPTZ NOT NULL,
    updated_by    VARCHAR
);
