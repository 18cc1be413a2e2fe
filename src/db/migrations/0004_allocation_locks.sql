-- Row locks for an allocation, taken in one fixed order (installments by id, then receipts by id)
-- so that concurrent allocations touching the same documents queue instead of deadlocking.
-- SECURITY DEFINER because FOR UPDATE needs UPDATE rights the app role deliberately lacks; the
-- caller reads the rows afterwards under its own role, so row-level security still decides what
-- it may see.
CREATE FUNCTION lock_for_allocation(p_installment_ids uuid[], p_receipt_ids uuid[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  PERFORM 1 FROM installments WHERE id = ANY(p_installment_ids) ORDER BY id FOR UPDATE;
  PERFORM 1 FROM receipts WHERE id = ANY(p_receipt_ids) ORDER BY id FOR UPDATE;
END $$;
REVOKE ALL ON FUNCTION lock_for_allocation(uuid[], uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lock_for_allocation(uuid[], uuid[]) TO shoufu_app;

-- Document numbers the system assigns when the user gives none.
CREATE SEQUENCE receipt_number_seq;
CREATE SEQUENCE invoice_number_seq;
GRANT USAGE ON SEQUENCE receipt_number_seq, invoice_number_seq TO shoufu_app;

-- Document numbers are unique per entity and side whatever the caller's data scope; this answers
-- "is the number taken?" without showing the document (a scoped user must not collide blindly).
CREATE FUNCTION document_number_taken(p_table text, p_entity uuid, p_side char(2), p_number text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
BEGIN
  IF p_table = 'invoices' THEN
    RETURN EXISTS (SELECT 1 FROM invoices WHERE entity_id = p_entity AND side = p_side AND number = p_number);
  ELSIF p_table = 'receipts' THEN
    RETURN EXISTS (SELECT 1 FROM receipts WHERE entity_id = p_entity AND side = p_side AND number = p_number);
  END IF;
  RAISE EXCEPTION 'unknown document table %', p_table;
END $$;
REVOKE ALL ON FUNCTION document_number_taken(text, uuid, char, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION document_number_taken(text, uuid, char, text) TO shoufu_app;
