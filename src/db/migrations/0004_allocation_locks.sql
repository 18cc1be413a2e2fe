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
