-- ERP/CRM sync (POST /api/sync/{kind}): the other system's id of each record, so that the next
-- call with the same id finds the same party or document whatever else it sends. One row per
-- (source system, record family, external id); an object is known under one id per source.
CREATE TABLE external_refs (
  source       text NOT NULL CHECK (length(source) BETWEEN 1 AND 40),
  family       text NOT NULL CHECK (family IN ('party', 'invoice', 'receipt', 'contract')),
  external_id  text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 128),
  object_id    uuid NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, family, external_id),
  UNIQUE (source, family, object_id)
);

-- Links are facts about the objects: seen and written where the object is.
ALTER TABLE external_refs ENABLE ROW LEVEL SECURITY;
CREATE POLICY external_refs_scope ON external_refs TO shoufu_app
  USING (app_unrestricted()
         OR (family = 'party' AND object_id IN (SELECT id FROM parties))
         OR (family = 'invoice' AND object_id IN (SELECT id FROM invoices))
         OR (family = 'receipt' AND object_id IN (SELECT id FROM receipts))
         OR (family = 'contract' AND object_id IN (SELECT id FROM contracts)));
GRANT SELECT, INSERT ON external_refs TO shoufu_app;

-- Which of these external ids are linked already, whatever the caller may see: an id linked to a
-- party outside the caller's scope must not be taken for a new record (like document_number_taken).
CREATE FUNCTION external_refs_taken(p_source text, p_family text, p_ids text[]) RETURNS SETOF text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT external_id FROM external_refs WHERE source = p_source AND family = p_family AND external_id = ANY(p_ids)
$$;
REVOKE ALL ON FUNCTION external_refs_taken(text, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION external_refs_taken(text, text, text[]) TO shoufu_app;
