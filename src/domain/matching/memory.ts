/**
 * What the engine learned from people: confirmations, manual matches and rejections.
 *
 *  - confirmed / manual (payer account, payer name → party): the account or the normalised name
 *    identifies the party next time (a name or account seen for several parties is ambiguous and
 *    identifies none, unless one party has clearly more confirmations).
 *  - rejected (payer → party): that party is not proposed again for that payer, until a later
 *    confirmation for the same pair lifts the rejection.
 *  - rejected (payer → installments): proposals for that payer containing those installments are
 *    dropped.
 *
 * Serialisable with toJSON()/MatchMemory.fromJSON() (plain JSON, no bigint) so the edge can keep it
 * in a table and rebuild it before a run.
 */
import { nameKeys, normalizeAccount } from './normalize';

export interface MemoryEvent {
  kind: 'confirmed' | 'manual' | 'rejected';
  payerAccount: string | null;
  payerName: string | null;
  partyId: string;
  /** For rejections of specific installments (e.g. "not these invoices"). */
  installmentIds?: readonly string[];
}

export interface MemorySnapshot {
  version: 1;
  accounts: [string, string, number][];
  names: [string, string, number][];
  rejectedParties: string[];
  rejectedItems: string[];
}

export interface MemoryHit {
  partyId: string;
  count: number;
  /** Confirmations of the winner ÷ all confirmations for that key. */
  share: number;
}

function nameKey(name: string | null | undefined): string | null {
  const k = nameKeys(name);
  return k ? k.full : null;
}

export class MatchMemory {
  private readonly accounts = new Map<string, Map<string, number>>();
  private readonly names = new Map<string, Map<string, number>>();
  private readonly rejectedParties = new Set<string>();
  private readonly rejectedItems = new Set<string>();

  /** Records one event. */
  add(event: MemoryEvent): void {
    const acct = normalizeAccount(event.payerAccount);
    const name = nameKey(event.payerName);
    const payerKeys = payerKeysOf(acct, name);
    if (event.kind === 'rejected') {
      if (event.installmentIds && event.installmentIds.length > 0) {
        for (const k of payerKeys) for (const id of event.installmentIds) this.rejectedItems.add(`${k}\u0000${id}`);
      } else {
        for (const k of payerKeys) this.rejectedParties.add(`${k}\u0000${event.partyId}`);
      }
      return;
    }
    for (const k of payerKeys) this.rejectedParties.delete(`${k}\u0000${event.partyId}`);
    if (acct) bump(this.accounts, acct, event.partyId);
    if (name) bump(this.names, name, event.partyId);
  }

  partyForAccount(account: string | null | undefined): MemoryHit | null {
    const k = normalizeAccount(account);
    return k ? best(this.accounts.get(k)) : null;
  }

  partyForName(name: string | null | undefined): MemoryHit | null {
    const k = nameKey(name);
    return k ? best(this.names.get(k)) : null;
  }

  /** True when a person rejected this party for this payer. */
  isPartyRejected(payer: { payerAccount: string | null; payerName: string | null }, partyId: string): boolean {
    for (const k of payerKeysOf(normalizeAccount(payer.payerAccount), nameKey(payer.payerName))) {
      if (this.rejectedParties.has(`${k}\u0000${partyId}`)) return true;
    }
    return false;
  }

  isItemRejected(payer: { payerAccount: string | null; payerName: string | null }, installmentId: string): boolean {
    if (this.rejectedItems.size === 0) return false;
    for (const k of payerKeysOf(normalizeAccount(payer.payerAccount), nameKey(payer.payerName))) {
      if (this.rejectedItems.has(`${k}\u0000${installmentId}`)) return true;
    }
    return false;
  }

  get size(): number {
    return this.accounts.size + this.names.size + this.rejectedParties.size + this.rejectedItems.size;
  }

  toJSON(): MemorySnapshot {
    const flat = (m: Map<string, Map<string, number>>): [string, string, number][] =>
      [...m].flatMap(([k, inner]) => [...inner].map(([p, n]) => [k, p, n] as [string, string, number]));
    return {
      version: 1,
      accounts: flat(this.accounts),
      names: flat(this.names),
      rejectedParties: [...this.rejectedParties],
      rejectedItems: [...this.rejectedItems],
    };
  }

  static fromJSON(snapshot: MemorySnapshot): MatchMemory {
    const m = new MatchMemory();
    for (const [k, p, n] of snapshot.accounts) bump(m.accounts, k, p, n);
    for (const [k, p, n] of snapshot.names) bump(m.names, k, p, n);
    for (const r of snapshot.rejectedParties) m.rejectedParties.add(r);
    for (const r of snapshot.rejectedItems) m.rejectedItems.add(r);
    return m;
  }
}

function payerKeysOf(acct: string | null, name: string | null): string[] {
  const out: string[] = [];
  if (acct) out.push(`a:${acct}`);
  if (name) out.push(`n:${name}`);
  return out;
}

function bump(m: Map<string, Map<string, number>>, key: string, partyId: string, by = 1): void {
  let inner = m.get(key);
  if (!inner) {
    inner = new Map();
    m.set(key, inner);
  }
  inner.set(partyId, (inner.get(partyId) ?? 0) + by);
}

function best(inner: Map<string, number> | undefined): MemoryHit | null {
  if (!inner || inner.size === 0) return null;
  let total = 0;
  let top: [string, number] | null = null;
  let second = 0;
  for (const [p, n] of [...inner].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    total += n;
    if (!top || n > top[1]) {
      if (top) second = Math.max(second, top[1]);
      top = [p, n];
    } else second = Math.max(second, n);
  }
  if (!top || top[1] <= second) return null;
  return { partyId: top[0], count: top[1], share: top[1] / total };
}
