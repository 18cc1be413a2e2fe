-- Set-based writes (bulk imports post thousands of documents in one INSERT … SELECT).
--
-- The control total of open installments was kept by a row trigger: one lookup of the invoice and
-- one upsert of the control_totals row per installment, which made a 5,000-row insert do 10,000
-- extra statements and hammer one hot row. A statement trigger with a transition table does the
-- same once per statement: it adds each (entity, side, currency)'s sum in a fixed order (so two
-- writers lock the control rows in the same order and cannot deadlock). A single-row insert
-- behaves exactly as before.
DROP TRIGGER installments_control ON installments;
DROP FUNCTION shoufu_installment_control();

CREATE FUNCTION shoufu_installment_control() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_installments WHERE allocated_minor <> 0) THEN
    RAISE EXCEPTION 'a new installment starts unallocated' USING ERRCODE = 'P0001';
  END IF;
  INSERT INTO control_totals (entity_id, side, currency, open_minor)
  SELECT i.entity_id, i.side, i.currency, sum(n.amount_minor)::bigint
    FROM new_installments n JOIN invoices i ON i.id = n.invoice_id
   WHERE i.kind = 'invoice'
   GROUP BY i.entity_id, i.side, i.currency
   ORDER BY i.entity_id, i.side, i.currency
  ON CONFLICT (entity_id, side, currency) DO UPDATE SET open_minor = control_totals.open_minor + EXCLUDED.open_minor;
  RETURN NULL;
END $$;

CREATE TRIGGER installments_control AFTER INSERT ON installments
  REFERENCING NEW TABLE AS new_installments
  FOR EACH STATEMENT EXECUTE FUNCTION shoufu_installment_control();
