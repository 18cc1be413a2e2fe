-- Tabular imports (src/import): saved column mappings and import runs with their checkpoints.

-- A named column mapping ("our Kingdee 应收单 export"): normalised header → field key or 'ignore'.
-- Shared by the users of an installation; only ledger writers (admin, finance) save one.
CREATE TABLE import_mappings (
  name        text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
  kind        text NOT NULL CHECK (kind IN ('customers','suppliers','invoices','bills','receipts','payments')),
  columns     jsonb NOT NULL,
  sheet       text,
  created_by  uuid REFERENCES users(id),
  updated_by  uuid REFERENCES users(id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON import_mappings TO shoufu_app;

-- One import of one file. A file small enough is written in one transaction together with its
-- run row (status 'done'), so a crash leaves neither. A larger file is written in batches, each
-- transaction moving committed_through_row (the checkpoint: the file row number of the last row
-- written) and the counts; a run left 'running' by a dead process, or 'failed', is resumed when
-- the same user imports the same file (same sha256) with the same options again.
CREATE TABLE import_runs (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                uuid NOT NULL,
  kind                   text NOT NULL,
  file_name              text NOT NULL,
  file_sha256            text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
  options_hash           text NOT NULL,
  mode                   text NOT NULL CHECK (mode IN ('single','batched')),
  status                 text NOT NULL CHECK (status IN ('running','done','failed')),
  rows_total             integer NOT NULL CHECK (rows_total >= 0),
  committed_through_row  integer NOT NULL DEFAULT 0,
  counts                 jsonb NOT NULL DEFAULT '{}'::jsonb,
  error                  jsonb,
  host                   text,
  pid                    integer,
  started_at             timestamptz NOT NULL DEFAULT now(),
  heartbeat_at           timestamptz NOT NULL DEFAULT now(),
  finished_at            timestamptz
);
CREATE INDEX import_runs_resume ON import_runs (user_id, file_sha256, status);
GRANT SELECT, INSERT, UPDATE ON import_runs TO shoufu_app;

-- A user sees and resumes their own runs only.
ALTER TABLE import_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY import_runs_own ON import_runs TO shoufu_app
  USING (user_id::text = app_setting('app.user_id'));
