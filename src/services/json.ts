/** JSON for the audit log and idempotent replays: bigint becomes a decimal string. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}
