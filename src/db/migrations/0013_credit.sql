-- Credit risk (docs/credit.md): trained payment models with their model card, and customer
-- credit scores with their history (one row per customer and date).

CREATE TABLE credit_models (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind           text NOT NULL DEFAULT 'payment' CHECK (kind IN ('payment')),
  -- Trained as of this date: only events dated on or before it were used.
  trained_as_of  date NOT NULL,
  status         text NOT NULL CHECK (status IN ('trained', 'cold_start')),
  -- The learned models (null on a cold start: the rule model predicts), and the rule prior.
  model          jsonb,
  prior          jsonb NOT NULL,
  -- The backtest on a time split before trained_as_of (AUC, Brier, calibration, MAE, baselines).
  card           jsonb,
  training_rows  integer NOT NULL,
  message        text,
  train_ms       integer NOT NULL,
  created_by     uuid REFERENCES users(id),
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_models_as_of ON credit_models (kind, trained_as_of DESC, created_at DESC);

CREATE TABLE credit_scores (
  party_id     uuid NOT NULL REFERENCES parties(id),
  as_of        date NOT NULL,
  score        integer NOT NULL CHECK (score BETWEEN 0 AND 100),
  grade        char(1) NOT NULL CHECK (grade IN ('A', 'B', 'C', 'D', 'E')),
  -- Every factor with its points and its zh/en reason: the score explained.
  factors      jsonb NOT NULL,
  facts        jsonb NOT NULL,
  computed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (party_id, as_of)
);

-- Models hold no customer's data (trees over features): readable by every user of the app.
-- Scores are seen where their customer is seen.
ALTER TABLE credit_scores ENABLE ROW LEVEL SECURITY;
CREATE POLICY credit_scores_scope ON credit_scores TO shoufu_app
  USING (app_unrestricted() OR party_id IN (SELECT id FROM parties));
GRANT SELECT, INSERT ON credit_models TO shoufu_app;
GRANT SELECT, INSERT, UPDATE ON credit_scores TO shoufu_app;
