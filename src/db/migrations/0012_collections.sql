-- Collections (催收, docs/collections.md): dunning policies and levels, the business calendar,
-- promises to pay, do-not-contact, chat robots, and the exactly-once scheduler's tables.
--
-- A run PLANS actions into dunning_actions, whose dedupe_key (customer, level, item set, channel,
-- target) is UNIQUE and inserted ON CONFLICT DO NOTHING under a per-customer advisory lock; a
-- sender then CLAIMS planned actions with FOR UPDATE SKIP LOCKED (planned → sending → sent), with
-- a lease so that an action left in 'sending' by a crashed worker is taken over after it expires.

ALTER TABLE parties
  ADD COLUMN do_not_contact boolean NOT NULL DEFAULT false,
  ADD COLUMN do_not_contact_reason text CHECK (do_not_contact_reason IS NULL OR length(do_not_contact_reason) <= 500),
  ADD COLUMN time_zone text NOT NULL DEFAULT 'Asia/Shanghai' CHECK (length(time_zone) BETWEEN 1 AND 64),
  ADD COLUMN contact_locale text NOT NULL DEFAULT 'zh-CN' CHECK (contact_locale IN ('zh-CN', 'en-US'));

CREATE TABLE dunning_policies (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code               text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9_-]{1,40}$'),
  name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  priority           integer NOT NULL DEFAULT 100,
  active             boolean NOT NULL DEFAULT true,
  -- Assignment: every non-null condition must hold; the first active policy by priority applies.
  match_regions      text[],
  match_industries   text[],
  match_risk_grades  text[],
  match_min_open_minor bigint CHECK (match_min_open_minor IS NULL OR match_min_open_minor >= 0),
  match_currency     char(3) NOT NULL DEFAULT 'CNY' REFERENCES currencies(code),
  -- Frequency cap per customer.
  cap_max_contacts   integer NOT NULL DEFAULT 2 CHECK (cap_max_contacts >= 0),
  cap_window_days    integer NOT NULL DEFAULT 7 CHECK (cap_window_days >= 0),
  cap_min_gap_days   integer NOT NULL DEFAULT 2 CHECK (cap_min_gap_days >= 0),
  -- Quiet hours: messages go out in [start, end) local minutes on business days only.
  send_start_minute  integer NOT NULL DEFAULT 540 CHECK (send_start_minute BETWEEN 0 AND 1439),
  send_end_minute    integer NOT NULL DEFAULT 1080 CHECK (send_end_minute BETWEEN 1 AND 1440),
  business_days_only boolean NOT NULL DEFAULT true,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (send_end_minute > send_start_minute)
);

CREATE TABLE dunning_levels (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  policy_id    uuid NOT NULL REFERENCES dunning_policies(id) ON DELETE CASCADE,
  code         text NOT NULL CHECK (code ~ '^[a-z0-9_-]{1,40}$'),
  offset_days  integer NOT NULL CHECK (offset_days BETWEEN -365 AND 3650),
  name_zh      text NOT NULL,
  name_en      text NOT NULL,
  channels     text[] NOT NULL CHECK (channels <@ ARRAY['email','wecom','dingtalk','sms']::text[]),
  template     text NOT NULL CHECK (template IN ('reminder','notice','second_notice','escalation','demand_letter','legal')),
  task_role    text CHECK (task_role IN ('collector','sales','manager','legal')),
  escalation   text CHECK (escalation IN ('notify_sales','notify_manager','credit_hold','legal_case')),
  UNIQUE (policy_id, code),
  UNIQUE (policy_id, offset_days)
);

-- Public holidays and 调休 make-up working days; weekends are implied.
CREATE TABLE business_calendar (
  day   date PRIMARY KEY,
  kind  text NOT NULL CHECK (kind IN ('holiday','workday')),
  name  text NOT NULL
);

CREATE TABLE payment_promises (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  party_id       uuid NOT NULL REFERENCES parties(id),
  amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
  currency       char(3) NOT NULL REFERENCES currencies(code),
  made_on        date NOT NULL,
  promised_date  date NOT NULL,
  -- The installments it covers; NULL = every open item of the customer in that currency.
  installment_ids uuid[],
  note           text CHECK (note IS NULL OR length(note) <= 1000),
  cancelled_on   date,
  created_by     uuid REFERENCES users(id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (promised_date >= made_on)
);
CREATE INDEX payment_promises_party ON payment_promises (party_id, promised_date);

-- Group robots (企业微信 / 钉钉). The webhook URL and DingTalk secret are credentials: never
-- readable by shoufu_app. regions NULL = every customer. The lease serialises the sender per
-- webhook across instances (the queue per webhook).
CREATE TABLE collection_robots (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind         text NOT NULL CHECK (kind IN ('wecom','dingtalk')),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  webhook_url  text NOT NULL CHECK (webhook_url ~* '^https?://[^[:space:]]+$' AND length(webhook_url) <= 2000),
  secret       text CHECK (secret IS NULL OR length(secret) <= 200),
  regions      text[],
  per_minute   integer NOT NULL DEFAULT 20 CHECK (per_minute BETWEEN 1 AND 600),
  active       boolean NOT NULL DEFAULT true,
  lease_token  uuid,
  lease_until  timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dunning_runs (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  started_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at  timestamptz,
  as_of        date,
  actor        text NOT NULL,
  customers    integer NOT NULL DEFAULT 0,
  planned      integer NOT NULL DEFAULT 0
);

CREATE TABLE dunning_actions (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  run_id         uuid REFERENCES dunning_runs(id),
  -- The channels of one contact share contact_key (dedupe key without the channel); caps count contacts.
  contact_key    text NOT NULL,
  dedupe_key     text NOT NULL UNIQUE,
  party_id       uuid NOT NULL REFERENCES parties(id),
  policy_id      uuid NOT NULL REFERENCES dunning_policies(id),
  level_code     text NOT NULL,
  level_offset   integer NOT NULL,
  template       text NOT NULL,
  channel        text NOT NULL CHECK (channel IN ('email','wecom','dingtalk','sms')),
  robot_id       uuid REFERENCES collection_robots(id) ON DELETE SET NULL,
  local_date     date NOT NULL,
  items          jsonb NOT NULL,
  status         text NOT NULL DEFAULT 'planned'
                 CHECK (status IN ('planned','sending','sent','failed','dead','cancelled')),
  not_before     timestamptz NOT NULL,
  attempts       integer NOT NULL DEFAULT 0,
  claim_token    uuid,
  lease_until    timestamptz,
  next_attempt_at timestamptz,
  message_id     text,
  last_error     text,
  sent_at        timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dunning_actions_party ON dunning_actions (party_id, local_date);
CREATE INDEX dunning_actions_due ON dunning_actions (channel, not_before) WHERE status IN ('planned','sending','failed');
CREATE INDEX dunning_actions_contact ON dunning_actions (contact_key);

-- Which items (and at which level) each action covered: what "already done" means to the planner.
CREATE TABLE dunning_action_items (
  action_id       uuid NOT NULL REFERENCES dunning_actions(id) ON DELETE CASCADE,
  installment_id  uuid NOT NULL REFERENCES installments(id),
  level_offset    integer NOT NULL,
  PRIMARY KEY (action_id, installment_id)
);
CREATE INDEX dunning_action_items_installment ON dunning_action_items (installment_id, level_offset);

-- Every message handed to a channel (one per email; one per robot message, which may be a digest of several actions).
CREATE TABLE dunning_deliveries (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  action_ids    uuid[] NOT NULL,
  channel       text NOT NULL,
  robot_id      uuid REFERENCES collection_robots(id) ON DELETE SET NULL,
  target        text,
  started_at    timestamptz NOT NULL,
  duration_ms   integer NOT NULL,
  outcome       text NOT NULL CHECK (outcome IN ('accepted','bounced','failed')),
  digest        boolean NOT NULL DEFAULT false,
  message_id    text,
  response      text,
  worker        text
);
CREATE INDEX dunning_deliveries_robot ON dunning_deliveries (robot_id, started_at);

-- Internal tasks for collectors, salespeople, managers and legal raised by levels.
CREATE TABLE collection_tasks (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  party_id     uuid NOT NULL REFERENCES parties(id),
  contact_key  text NOT NULL,
  level_code   text NOT NULL,
  role         text NOT NULL CHECK (role IN ('collector','sales','manager','legal')),
  assignee_id  uuid REFERENCES users(id),
  title        text NOT NULL,
  escalation   text,
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open','done')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (contact_key, role)
);
CREATE INDEX collection_tasks_party ON collection_tasks (party_id);

-- ---- seed: the default Chinese policy and the 2025–2026 calendar -----------------------------
INSERT INTO dunning_policies (code, name, priority) VALUES ('default', '默认催收策略', 1000);
INSERT INTO dunning_levels (policy_id, code, offset_days, name_zh, name_en, channels, template, task_role, escalation)
SELECT p.id, l.code, l.offset_days, l.name_zh, l.name_en, l.channels, l.template, l.task_role, l.escalation
  FROM dunning_policies p, (VALUES
    ('reminder', -7, '到期前友好提醒', 'Friendly reminder', ARRAY['email'], 'reminder', NULL, NULL),
    ('notice', 1, '逾期通知', 'Overdue notice', ARRAY['email','wecom'], 'notice', 'collector', NULL),
    ('second_notice', 15, '二次催收', 'Second notice', ARRAY['email','wecom','dingtalk'], 'second_notice', 'collector', 'notify_sales'),
    ('escalation', 30, '经理升级并冻结信用', 'Manager escalation and credit hold', ARRAY['email','wecom','dingtalk'], 'escalation', 'manager', 'credit_hold'),
    ('demand_letter', 60, '正式催款函', 'Formal demand letter', ARRAY['email','dingtalk'], 'demand_letter', 'manager', 'notify_manager'),
    ('legal', 90, '移交法务', 'Hand-over to legal', ARRAY['email','dingtalk'], 'legal', 'legal', 'legal_case')
  ) AS l(code, offset_days, name_zh, name_en, channels, template, task_role, escalation)
 WHERE p.code = 'default';

INSERT INTO business_calendar (day, kind, name)
SELECT d::date, 'holiday', n FROM (VALUES
  ('2025-01-01', '2025-01-01', '元旦'), ('2025-01-28', '2025-02-04', '春节'), ('2025-04-04', '2025-04-06', '清明节'),
  ('2025-05-01', '2025-05-05', '劳动节'), ('2025-05-31', '2025-06-02', '端午节'), ('2025-10-01', '2025-10-08', '国庆节、中秋节'),
  ('2026-01-01', '2026-01-03', '元旦'), ('2026-02-15', '2026-02-23', '春节'), ('2026-04-04', '2026-04-06', '清明节'),
  ('2026-05-01', '2026-05-05', '劳动节'), ('2026-06-19', '2026-06-21', '端午节'), ('2026-09-25', '2026-09-27', '中秋节'),
  ('2026-10-01', '2026-10-07', '国庆节')
) AS h(a, b, n), generate_series(a::timestamp, b::timestamp, interval '1 day') AS d;
INSERT INTO business_calendar (day, kind, name) VALUES
  ('2025-01-26', 'workday', '春节调休'), ('2025-02-08', 'workday', '春节调休'), ('2025-04-27', 'workday', '劳动节调休'),
  ('2025-09-28', 'workday', '国庆节调休'), ('2025-10-11', 'workday', '国庆节调休'),
  ('2026-01-04', 'workday', '元旦调休'), ('2026-02-14', 'workday', '春节调休'), ('2026-02-28', 'workday', '春节调休'),
  ('2026-05-09', 'workday', '劳动节调休'), ('2026-09-20', 'workday', '国庆节调休'), ('2026-10-10', 'workday', '国庆节调休');

-- ---- grants and row-level security ------------------------------------------------------------
GRANT SELECT, INSERT, UPDATE ON dunning_policies, dunning_levels, business_calendar TO shoufu_app;
GRANT DELETE ON dunning_levels, business_calendar TO shoufu_app;
GRANT SELECT, INSERT ON payment_promises TO shoufu_app;
GRANT UPDATE (cancelled_on) ON payment_promises TO shoufu_app;
GRANT UPDATE (do_not_contact, do_not_contact_reason, time_zone, contact_locale) ON parties TO shoufu_app;
GRANT SELECT (id, kind, name, regions, per_minute, active, created_at), INSERT ON collection_robots TO shoufu_app;
GRANT UPDATE (name, webhook_url, secret, regions, per_minute, active) ON collection_robots TO shoufu_app;
GRANT SELECT, INSERT, UPDATE ON dunning_runs TO shoufu_app;
GRANT SELECT, INSERT ON dunning_actions, dunning_action_items, collection_tasks TO shoufu_app;
GRANT UPDATE (status, last_error) ON dunning_actions TO shoufu_app;
GRANT UPDATE (status, assignee_id) ON collection_tasks TO shoufu_app;
GRANT SELECT ON dunning_deliveries TO shoufu_app;

-- Policies and the calendar are configuration: everyone acting may read them; the service
-- limits writes to admin/finance/manager. Customer-bound rows are visible where the party is.
ALTER TABLE payment_promises ENABLE ROW LEVEL SECURITY;
CREATE POLICY payment_promises_scope ON payment_promises TO shoufu_app
  USING (app_unrestricted() OR party_id IN (SELECT id FROM parties));

ALTER TABLE dunning_actions ENABLE ROW LEVEL SECURITY;
CREATE POLICY dunning_actions_scope ON dunning_actions TO shoufu_app
  USING (app_unrestricted() OR party_id IN (SELECT id FROM parties));

ALTER TABLE dunning_action_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY dunning_action_items_scope ON dunning_action_items TO shoufu_app
  USING (app_unrestricted() OR action_id IN (SELECT id FROM dunning_actions));

ALTER TABLE collection_tasks ENABLE ROW LEVEL SECURITY;
CREATE POLICY collection_tasks_scope ON collection_tasks TO shoufu_app
  USING (app_unrestricted() OR party_id IN (SELECT id FROM parties));

-- Deliveries and robots reveal other customers and credentials: unrestricted users only.
ALTER TABLE dunning_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY dunning_deliveries_scope ON dunning_deliveries FOR SELECT TO shoufu_app USING (app_unrestricted());

ALTER TABLE collection_robots ENABLE ROW LEVEL SECURITY;
CREATE POLICY collection_robots_scope ON collection_robots TO shoufu_app USING (app_unrestricted());

ALTER TABLE dunning_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY dunning_runs_scope ON dunning_runs TO shoufu_app USING (app_unrestricted());
