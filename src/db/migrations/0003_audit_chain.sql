-- The audit chain is appended by one SECURITY DEFINER function so that (a) the caller need not be
-- able to read the log to extend it, and (b) the hash is computed in one place, by the database,
-- from the row exactly as stored (jsonb text form is canonical: keys sorted, spacing fixed).
-- A transaction-scoped advisory lock serialises appenders across app instances, so the chain
-- never forks; on PGlite transactions are serialised already.

CREATE FUNCTION audit_row_digest(
  p_seq bigint, p_at timestamptz, p_actor_id uuid, p_actor text, p_action text,
  p_object_type text, p_object_id text, p_before jsonb, p_after jsonb, p_prev_hash text
) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(
    p_prev_hash || E'\n' || p_seq::text || E'\n' ||
    ((extract(epoch FROM p_at) * 1000000)::bigint)::text || E'\n' ||
    coalesce(p_actor_id::text, '') || E'\n' || p_actor || E'\n' || p_action || E'\n' ||
    p_object_type || E'\n' || coalesce(p_object_id, '') || E'\n' ||
    coalesce(p_before::text, 'null') || E'\n' || coalesce(p_after::text, 'null'),
    'UTF8')), 'hex')
$$;

CREATE FUNCTION audit_append(
  p_actor_id uuid, p_actor text, p_action text, p_object_type text, p_object_id text,
  p_before jsonb, p_after jsonb
) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  last_seq bigint;
  last_hash text;
  new_seq bigint;
  new_at timestamptz := clock_timestamp();
BEGIN
  PERFORM pg_advisory_xact_lock(7245010001);
  SELECT seq, hash INTO last_seq, last_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
  new_seq := coalesce(last_seq, 0) + 1;
  last_hash := coalesce(last_hash, repeat('0', 64));
  INSERT INTO audit_log (seq, at, actor_id, actor, action, object_type, object_id, before, after, prev_hash, hash)
  VALUES (new_seq, new_at, p_actor_id, p_actor, p_action, p_object_type, p_object_id, p_before, p_after, last_hash,
          audit_row_digest(new_seq, new_at, p_actor_id, p_actor, p_action, p_object_type, p_object_id, p_before, p_after, last_hash));
  RETURN new_seq;
END $$;

REVOKE ALL ON FUNCTION audit_append(uuid, text, text, text, text, jsonb, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_append(uuid, text, text, text, text, jsonb, jsonb) TO shoufu_app;
REVOKE INSERT ON audit_log FROM shoufu_app;
