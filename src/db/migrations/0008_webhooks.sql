-- Outbound webhooks (docs/webhooks.md): endpoints, a transactional outbox of events, deliveries
-- and every delivery attempt.
--
-- Events are written by webhook_emit() inside the transaction of the change they describe, so an
-- event exists if and only if its change committed. webhook_emit() writes nothing when no active
-- endpoint wants the event (bulk work without webhooks pays one cheap lookup per change), and one
-- delivery per matching endpoint otherwise. A worker (src/webhooks/worker.ts) claims due
-- deliveries with FOR UPDATE SKIP LOCKED, POSTs them outside any transaction and records the result.

CREATE TABLE webhook_endpoints (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  url          text NOT NULL CHECK (url ~* '^https?://[^[:space:]]+$' AND length(url) <= 2000),
  -- The HMAC key. Never readable by shoufu_app (column grants below): shown once when created.
  secret       text NOT NULL CHECK (length(secret) BETWEEN 16 AND 200),
  -- Subscribed event types; '*' = every type.
  event_types  text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 50),
  -- Entities whose events are sent; NULL = all. Events without an entity (parties) go to every endpoint.
  entity_ids   uuid[],
  active       boolean NOT NULL DEFAULT true,
  description  text CHECK (description IS NULL OR length(description) <= 500),
  created_by   uuid REFERENCES users(id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_events (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  type         text NOT NULL CHECK (type ~ '^[a-z_]+\.[a-z_]+$'),
  occurred_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  entity_id    uuid REFERENCES entities(id),
  object_id    text,
  payload      jsonb NOT NULL,
  -- Events that must never be emitted twice (invoice.overdue per installment) carry a key.
  dedupe_key   text UNIQUE
);
CREATE INDEX webhook_events_occurred ON webhook_events (occurred_at DESC);
CREATE INDEX webhook_events_type ON webhook_events (type, occurred_at DESC);
CREATE INDEX webhook_events_object ON webhook_events (object_id);

CREATE TABLE webhook_deliveries (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  endpoint_id            uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id               uuid NOT NULL REFERENCES webhook_events(id),
  -- pending: not tried yet; failed: tried, another attempt is scheduled; succeeded; dead: gave up.
  status                 text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','succeeded','failed','dead')),
  attempts               integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at        timestamptz NOT NULL DEFAULT now(),
  last_attempt_at        timestamptz,
  last_status_code       integer,
  last_response_excerpt  text,
  last_duration_ms       integer,
  last_error             text,
  delivered_at           timestamptz,
  -- Set by the worker that holds the delivery (a lease until next_attempt_at); a result is only
  -- recorded by the holder of the current token.
  claim_token            uuid,
  replay_of              uuid REFERENCES webhook_deliveries(id) ON DELETE SET NULL,
  created_by             uuid REFERENCES users(id),
  created_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending','failed');
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at DESC);

CREATE TABLE webhook_delivery_attempts (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id        uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  attempt            integer NOT NULL CHECK (attempt >= 1),
  started_at         timestamptz NOT NULL,
  duration_ms        integer NOT NULL CHECK (duration_ms >= 0),
  outcome            text NOT NULL CHECK (outcome IN ('succeeded','failed')),
  status_code        integer,
  response_excerpt   text,
  error              text,
  next_attempt_at    timestamptz,
  UNIQUE (delivery_id, attempt)
);

-- Who manages webhooks: admin and finance users without a region or owner limit (an endpoint
-- receives every party's documents), and the system actor (CLI, jobs). Entity-limited users may
-- only manage endpoints confined to their entities (checked on write below).
CREATE FUNCTION app_webhook_manager() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT app_setting('app.scope_regions') = '*' AND app_setting('app.scope_owner') = ''
     AND (app_setting('app.user_id') = '00000000-0000-0000-0000-000000000000'
          OR EXISTS (SELECT 1 FROM users u
                      WHERE u.id::text = app_setting('app.user_id') AND u.role IN ('admin', 'finance') AND NOT u.disabled))
$$;

GRANT SELECT (id, url, event_types, entity_ids, active, description, created_by, created_at, updated_at),
      INSERT, DELETE ON webhook_endpoints TO shoufu_app;
GRANT UPDATE (url, secret, event_types, entity_ids, active, description, updated_at) ON webhook_endpoints TO shoufu_app;
GRANT SELECT ON webhook_events, webhook_delivery_attempts TO shoufu_app;
GRANT SELECT, INSERT ON webhook_deliveries TO shoufu_app;

ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_endpoints_manage ON webhook_endpoints TO shoufu_app
  USING (app_webhook_manager())
  WITH CHECK (
    app_webhook_manager()
    AND (app_setting('app.scope_entities') = '*'
         OR (entity_ids IS NOT NULL AND entity_ids::text[] <@ string_to_array(app_setting('app.scope_entities'), ',')))
  );

ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_events_read ON webhook_events FOR SELECT TO shoufu_app
  USING (app_webhook_manager() AND (entity_id IS NULL OR app_in_scope('app.scope_entities', entity_id::text)));

ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_deliveries_read ON webhook_deliveries FOR SELECT TO shoufu_app
  USING (app_webhook_manager()
         AND (app_setting('app.scope_entities') = '*' OR event_id IN (SELECT id FROM webhook_events)));
-- A replay is a new pending delivery of a visible event to a visible endpoint.
CREATE POLICY webhook_deliveries_replay ON webhook_deliveries FOR INSERT TO shoufu_app
  WITH CHECK (app_webhook_manager() AND status = 'pending' AND attempts = 0
              AND event_id IN (SELECT id FROM webhook_events) AND endpoint_id IN (SELECT id FROM webhook_endpoints));

ALTER TABLE webhook_delivery_attempts ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_delivery_attempts_read ON webhook_delivery_attempts FOR SELECT TO shoufu_app
  USING (app_webhook_manager()
         AND (app_setting('app.scope_entities') = '*' OR delivery_id IN (SELECT id FROM webhook_deliveries)));

-- The cheap check every audited change makes before building an event payload.
CREATE FUNCTION webhook_wanted(p_type text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER AS $$
  SELECT EXISTS (SELECT 1 FROM webhook_endpoints
                  WHERE active AND (p_type = ANY (event_types) OR '*' = ANY (event_types)))
$$;

-- Writes one event and a pending delivery per matching endpoint, in the caller's transaction.
-- Returns the event id, or NULL when nothing was written (nobody subscribes, or the dedupe key
-- was used before). p_endpoint_id sends to that one endpoint regardless of its subscriptions
-- (the test ping).
CREATE FUNCTION webhook_emit(
  p_type text, p_entity_id uuid, p_object_id text, p_payload jsonb, p_dedupe_key text DEFAULT NULL, p_endpoint_id uuid DEFAULT NULL
) RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  ev uuid;
BEGIN
  IF p_endpoint_id IS NULL AND NOT EXISTS (
    SELECT 1 FROM webhook_endpoints e
     WHERE e.active AND (p_type = ANY (e.event_types) OR '*' = ANY (e.event_types))
       AND (e.entity_ids IS NULL OR p_entity_id IS NULL OR p_entity_id = ANY (e.entity_ids))
  ) THEN
    RETURN NULL;
  END IF;
  INSERT INTO webhook_events (type, entity_id, object_id, payload, dedupe_key)
  VALUES (p_type, p_entity_id, p_object_id, p_payload, p_dedupe_key)
  ON CONFLICT (dedupe_key) DO NOTHING
  RETURNING id INTO ev;
  IF ev IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO webhook_deliveries (endpoint_id, event_id, next_attempt_at)
  SELECT e.id, ev, now() FROM webhook_endpoints e
   WHERE (p_endpoint_id IS NOT NULL AND e.id = p_endpoint_id)
      OR (p_endpoint_id IS NULL AND e.active AND (p_type = ANY (e.event_types) OR '*' = ANY (e.event_types))
          AND (e.entity_ids IS NULL OR p_entity_id IS NULL OR p_entity_id = ANY (e.entity_ids)));
  RETURN ev;
END $$;

REVOKE ALL ON FUNCTION webhook_wanted(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION webhook_emit(text, uuid, text, jsonb, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION webhook_wanted(text) TO shoufu_app;
GRANT EXECUTE ON FUNCTION webhook_emit(text, uuid, text, jsonb, text, uuid) TO shoufu_app;
