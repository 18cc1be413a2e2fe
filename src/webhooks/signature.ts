/**
 * Webhook signatures, Stripe-style: `Shoufu-Signature: t=<unix seconds>,v1=<hex>` where
 * v1 = HMAC-SHA256(key = the endpoint secret as UTF-8, message = "<t>.<raw body>"). A receiver
 * recomputes v1 over the raw bytes it received, compares in constant time, and rejects a
 * timestamp further than the tolerance from its own clock (replayed old requests).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Shoufu-Signature';
export const TIMESTAMP_HEADER = 'Shoufu-Timestamp';
export const EVENT_HEADER = 'Shoufu-Event';
export const DELIVERY_HEADER = 'Shoufu-Delivery';
/** Default tolerance a receiver should allow between the timestamp and its clock. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new endpoint secret: "whsec_" + 32 random bytes, base64url. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function computeSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The Shoufu-Signature header value for a body sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, body)}`;
}

export type VerifyResult =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'malformed' | 'no_signature' | 'mismatch' | 'too_old' | 'too_new' };

/**
 * Verifies a Shoufu-Signature header against the raw body. Several v1= values are accepted
 * (any may match), so a sender could sign with an old and a new secret during a rotation.
 */
export function verifySignature(
  header: string | undefined,
  secret: string,
  body: string,
  opts: { toleranceSeconds?: number; now?: () => number } = {},
): VerifyResult {
  if (!header) return { ok: false, reason: 'malformed' };
  let timestamp: number | null = null;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return { ok: false, reason: 'malformed' };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value)) return { ok: false, reason: 'malformed' };
      timestamp = Number(value);
    } else if (key === 'v1') {
      candidates.push(value);
    }
  }
  if (timestamp === null) return { ok: false, reason: 'malformed' };
  if (candidates.length === 0) return { ok: false, reason: 'no_signature' };
  const expected = Buffer.from(computeSignature(secret, timestamp, body), 'hex');
  const matches = candidates.some((c) => {
    if (!/^[0-9a-f]{64}$/i.test(c)) return false;
    return timingSafeEqual(Buffer.from(c, 'hex'), expected);
  });
  if (!matches) return { ok: false, reason: 'mismatch' };
  const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((opts.now ?? Date.now)() / 1000);
  if (timestamp < nowSeconds - tolerance) return { ok: false, reason: 'too_old' };
  if (timestamp > nowSeconds + tolerance) return { ok: false, reason: 'too_new' };
  return { ok: true, timestamp };
}
