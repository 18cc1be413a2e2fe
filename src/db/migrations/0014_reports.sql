-- Scheduled reports (docs/analytics.md "Scheduled reports"): a user subscribes to a weekly aging /
-- overdue summary by email, with the PDF and XLSX attached. One delivery row per subscription and
-- week (the primary key) makes each week's mail go out once, whichever app instance sends it.
CREATE TABLE report_subscriptions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users(id),
  kind        text NOT NULL DEFAULT 'aging_weekly' CHECK (kind IN ('aging_weekly')),
  -- ISO weekday (1 = Monday) and hour in the subscriber's time zone.
  weekday     integer NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  hour        integer NOT NULL CHECK (hour BETWEEN 0 AND 23),
  time_zone   text NOT NULL DEFAULT 'Asia/Shanghai',
  recipients  text[] NOT NULL CHECK (cardinality(recipients) BETWEEN 1 AND 20),
  -- Aging options: by, basis, buckets, side, currency, locale.
  options     jsonb NOT NULL DEFAULT '{}'::jsonb,
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_subscriptions_user ON report_subscriptions (user_id);

CREATE TABLE report_deliveries (
  subscription_id  uuid NOT NULL REFERENCES report_subscriptions(id) ON DELETE CASCADE,
  -- The ISO week the mail is for (2026-W47), or manual-<time> for "send now".
  period           text NOT NULL,
  status           text NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
  attempts         integer NOT NULL DEFAULT 1,
  claimed_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  message_id       text,
  error            text,
  PRIMARY KEY (subscription_id, period)
);

-- A subscription and its deliveries are the subscriber's own.
ALTER TABLE report_subscriptions ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_subscriptions_own ON report_subscriptions TO shoufu_app
  USING (user_id::text = app_setting('app.user_id'));
ALTER TABLE report_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_deliveries_own ON report_deliveries TO shoufu_app
  USING (subscription_id IN (SELECT id FROM report_subscriptions));
GRANT SELECT, INSERT, UPDATE, DELETE ON report_subscriptions TO shoufu_app;
GRANT SELECT ON report_deliveries TO shoufu_app;
