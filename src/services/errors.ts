/**
 * Expected failures are values with a stable code, an HTTP status and the field path(s) at fault.
 * Only broken invariants throw plain Errors.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: string[] = [],
  ) {
    super(message);
  }
}

export const notFound = (what: string, field?: string) =>
  new AppError(404, 'not_found', `${what} not found`, field ? [field] : []);
export const invalid = (code: string, message: string, ...fields: string[]) => new AppError(422, code, message, fields);
export const forbidden = (message = 'not allowed for your role') => new AppError(403, 'forbidden', message);
export const conflict = (code: string, message: string, ...fields: string[]) => new AppError(409, code, message, fields);

/** Maps database errors raised by constraints and triggers to AppErrors a user can act on. */
export function fromDatabaseError(err: unknown): AppError | null {
  const e = err as { code?: string; constraint?: string; hint?: string; message?: string; detail?: string };
  if (!e || typeof e !== 'object' || !e.code) return null;
  if (e.code === '23514') {
    if (e.constraint === 'installment_not_over_allocated') {
      return new AppError(409, 'installment_over_allocated', 'the invoice installment would be allocated beyond its amount', ['lines']);
    }
    if (e.constraint === 'receipt_not_over_allocated') {
      return new AppError(409, 'receipt_over_allocated', 'the receipt would be allocated beyond its amount', ['lines']);
    }
    return new AppError(422, 'constraint_violated', `a value breaks a rule (${e.constraint ?? 'check'})`);
  }
  if (e.code === '23505') {
    return new AppError(409, 'duplicate', `already exists: ${e.detail ?? e.constraint ?? ''}`.trim());
  }
  if (e.code === '23503') return new AppError(422, 'reference_not_found', `a referenced record does not exist (${e.constraint ?? ''})`);
  if (e.code === '42501') return new AppError(403, 'forbidden', 'outside your data scope');
  if (e.code === 'P0001' && e.hint) {
    if (e.hint === 'immutable') return new AppError(409, 'document_immutable', e.message ?? 'posted documents are immutable');
    return new AppError(422, e.hint, e.message ?? e.hint);
  }
  return null;
}
