-- Bank statement and e-invoice imports.
--
-- statement_imports: one row per imported statement file, with the bank's control figures and
-- what the import did. statement_lines: one row per statement line taken into the ledger (or
-- found already there), keyed by a fingerprint of the line so that the same line arriving again
-- in an overlapping statement is recognised and imported once. Both are append-only.
-- entities.tax_id: the entity's own VAT id / 统一社会信用代码, by which an e-invoice tells whether
-- we are its seller (AR) or its buyer (AP).

ALTER TABLE entities ADD COLUMN tax_id text;

CREATE TABLE statement_imports (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entity_id       uuid NOT NULL REFERENCES entities(id),
  filename        text,
  file_sha256     text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  format          text NOT NULL,
  -- [{ id, account, currency, opening, closing, fromDate, toDate, lines }] as decimal strings
  statements      jsonb NOT NULL,
  balance_ok      boolean NOT NULL,
  check_issues    jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_count      integer NOT NULL CHECK (created_count >= 0),
  duplicate_count    integer NOT NULL CHECK (duplicate_count >= 0),
  unidentified_count integer NOT NULL CHECK (unidentified_count >= 0),
  rejected_count     integer NOT NULL CHECK (rejected_count >= 0),
  created_by      uuid REFERENCES users(id),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX statement_imports_entity ON statement_imports (entity_id, created_at);

CREATE TABLE statement_lines (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entity_id       uuid NOT NULL REFERENCES entities(id),
  import_id       uuid NOT NULL REFERENCES statement_imports(id),
  -- sha256 of account | booking date | direction | amount | currency | reference fields | occurrence
  line_key        text NOT NULL CHECK (line_key ~ '^[0-9a-f]{64}$'),
  account         text NOT NULL,
  booking_date    date NOT NULL,
  direction       text NOT NULL CHECK (direction IN ('credit', 'debit')),
  amount_minor    bigint NOT NULL CHECK (amount_minor > 0),
  currency        char(3) NOT NULL REFERENCES currencies(code),
  bank_reference  text,
  end_to_end_id   text,
  receipt_id      uuid NOT NULL REFERENCES receipts(id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (entity_id, line_key)
);
CREATE INDEX statement_lines_receipt ON statement_lines (receipt_id);

CREATE TRIGGER statement_imports_immutable BEFORE UPDATE OR DELETE ON statement_imports
  FOR EACH ROW EXECUTE FUNCTION shoufu_reject_change();
CREATE TRIGGER statement_lines_immutable BEFORE UPDATE OR DELETE ON statement_lines
  FOR EACH ROW EXECUTE FUNCTION shoufu_reject_change();

GRANT SELECT, INSERT ON statement_imports, statement_lines TO shoufu_app;

-- A bank statement holds every customer's and supplier's money: its import records are visible
-- to users without a region or owner limit, within their entities (as control_totals are).
ALTER TABLE statement_imports ENABLE ROW LEVEL SECURITY;
CREATE POLICY statement_imports_scope ON statement_imports TO shoufu_app
  USING (app_in_scope('app.scope_entities', entity_id::text)
         AND app_setting('app.scope_regions') = '*' AND app_setting('app.scope_owner') = '');

ALTER TABLE statement_lines ENABLE ROW LEVEL SECURITY;
CREATE POLICY statement_lines_scope ON statement_lines TO shoufu_app
  USING (app_in_scope('app.scope_entities', entity_id::text)
         AND app_setting('app.scope_regions') = '*' AND app_setting('app.scope_owner') = '');
