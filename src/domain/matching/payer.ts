/**
 * Payer identification: which party sent this money? Evidence, strongest first:
 *   account         the payer account is a known account of the party (master data)
 *   memory_account  a person confirmed this account for the party before
 *   name_exact      the payer name equals the party name once legal forms and brackets are normalised
 *   name_variant    same city + core name with the city moved (华信贸易（上海） ≈ 上海华信贸易)
 *   name_english    the payer name is the party's English name (normalised the same way)
 *   memory_name     a person confirmed this payer name for the party before
 *   name_short      the payer name is the party's short name / core name without city (unique only)
 *   name_fuzzy      bigram similarity ≥ 0.8 to one party name (typos, truncation)
 * Each candidate carries a probability-like score used by the confidence model.
 */
import type { MatchMemory } from './memory';
import { bigrams, dice, nameKeys, normalizeAccount } from './normalize';
import type { BankLine, PartyProfile } from './types';

export type PartySource =
  | 'account'
  | 'memory_account'
  | 'name_exact'
  | 'name_variant'
  | 'name_english'
  | 'memory_name'
  | 'name_short'
  | 'name_fuzzy';

export interface PartyCandidate {
  partyId: string;
  source: PartySource;
  /** Probability-like strength of the identification, in [0, 1]. */
  score: number;
}

export const PARTY_SOURCE_SCORE: Readonly<Record<PartySource, number>> = {
  account: 0.995,
  memory_account: 0.985,
  name_exact: 0.98,
  name_variant: 0.965,
  name_english: 0.965,
  memory_name: 0.95,
  name_short: 0.9,
  name_fuzzy: 0.8,
};

const MAX_FUZZY_POSTING = 400;

export class PartyIndex {
  readonly byId = new Map<string, PartyProfile>();
  private readonly byAccount = new Map<string, string[]>();
  private readonly byFull = new Map<string, string[]>();
  private readonly byCanonical = new Map<string, string[]>();
  private readonly byCore = new Map<string, string[]>();
  private readonly byShort = new Map<string, string[]>();
  private readonly byEnglish = new Map<string, string[]>();
  private readonly fullKeyOf = new Map<string, string[]>();
  private readonly cityOf = new Map<string, string | null>();
  private readonly gramIndex = new Map<string, string[]>();
  private readonly children = new Map<string, string[]>();
  private readonly groupCache = new Map<string, string[]>();

  constructor(parties: readonly PartyProfile[]) {
    const sorted = [...parties].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const p of sorted) {
      this.byId.set(p.id, p);
      for (const a of p.accounts) {
        const k = normalizeAccount(a);
        if (k) push(this.byAccount, k, p.id);
      }
      const keys: string[] = [];
      for (const [name, english] of [
        [p.name, false],
        [p.nameEn, true],
      ] as const) {
        const nk = nameKeys(name);
        if (!nk) continue;
        push(english ? this.byEnglish : this.byFull, nk.full, p.id);
        push(this.byCanonical, nk.canonical, p.id);
        if (nk.core.length >= 2) push(this.byCore, nk.core, p.id);
        if (!english) this.cityOf.set(p.id, nk.city);
        keys.push(nk.full);
      }
      const sk = nameKeys(p.shortName);
      if (sk) push(this.byShort, sk.full, p.id);
      this.fullKeyOf.set(p.id, keys);
      for (const key of keys) for (const g of new Set(bigrams(key))) push(this.gramIndex, g, p.id);
      if (p.parentId) push(this.children, p.parentId, p.id);
    }
  }

  get(id: string): PartyProfile | undefined {
    return this.byId.get(id);
  }

  displayName(id: string | null): string {
    if (!id) return '—';
    const p = this.byId.get(id);
    return p ? (p.shortName ?? p.name) : id;
  }

  /** The party and all its descendants (a head office pays for these). */
  group(id: string): string[] {
    const cached = this.groupCache.get(id);
    if (cached) return cached;
    const out: string[] = [];
    const seen = new Set<string>();
    const stack = [id];
    while (stack.length > 0) {
      const cur = stack.pop()!;
      if (seen.has(cur)) continue;
      seen.add(cur);
      out.push(cur);
      for (const c of this.children.get(cur) ?? []) stack.push(c);
    }
    this.groupCache.set(id, out);
    return out;
  }

  /** Top-most ancestor (the party itself when it has no parent). */
  root(id: string): string {
    let cur = id;
    for (let i = 0; i < 16; i++) {
      const p = this.byId.get(cur)?.parentId;
      if (!p || !this.byId.has(p)) break;
      cur = p;
    }
    return cur;
  }

  /** Whether `ancestor` is `id` or one of its ancestors. */
  covers(ancestor: string, id: string): boolean {
    let cur: string | null | undefined = id;
    for (let i = 0; i < 16 && cur; i++) {
      if (cur === ancestor) return true;
      cur = this.byId.get(cur)?.parentId;
    }
    return false;
  }

  /** Candidates for the payer of a line, strongest first, at most `limit`. */
  identify(line: Pick<BankLine, 'payerAccount' | 'payerName'>, memory: MatchMemory, limit = 3): PartyCandidate[] {
    const found = new Map<string, PartyCandidate>();
    const add = (partyId: string, source: PartySource, score = PARTY_SOURCE_SCORE[source]): void => {
      if (!this.byId.has(partyId)) return;
      if (memory.isPartyRejected(line, partyId)) return;
      const prev = found.get(partyId);
      if (!prev || prev.score < score) found.set(partyId, { partyId, source, score });
    };
    const acct = normalizeAccount(line.payerAccount);
    if (acct) {
      const ids = this.byAccount.get(acct) ?? [];
      for (const id of ids) add(id, 'account', ids.length === 1 ? PARTY_SOURCE_SCORE.account : 0.6 / ids.length);
      if (ids.length === 0) {
        const m = memory.partyForAccount(acct);
        if (m) add(m.partyId, 'memory_account', PARTY_SOURCE_SCORE.memory_account * (0.5 + 0.5 * m.share));
      }
    }
    const nk = nameKeys(line.payerName);
    if (nk) {
      const m = memory.partyForName(line.payerName);
      if (m) add(m.partyId, 'memory_name', PARTY_SOURCE_SCORE.memory_name * (0.5 + 0.5 * m.share));
      const exact = this.byFull.get(nk.full);
      const english = this.byEnglish.get(nk.full);
      const canonical = this.byCanonical.get(nk.canonical);
      if (exact) for (const id of exact) add(id, 'name_exact', PARTY_SOURCE_SCORE.name_exact / exact.length);
      if (english) for (const id of english) add(id, 'name_english', PARTY_SOURCE_SCORE.name_english / english.length);
      if (canonical && nk.city !== null) {
        for (const id of canonical) add(id, 'name_variant', PARTY_SOURCE_SCORE.name_variant / canonical.length);
      }
      if (found.size === 0) {
        const short = this.byShort.get(nk.full) ?? [];
        // Core name without a city: unique only; a payer naming another city is not this party.
        const core = nk.city === null ? (this.byCore.get(nk.core) ?? []) : [];
        const ids = [...new Set([...short, ...core])];
        for (const id of ids) add(id, 'name_short', ids.length === 1 ? PARTY_SOURCE_SCORE.name_short : 0.5 / ids.length);
      }
      if (found.size === 0 && nk.full.length >= 4) this.fuzzy(nk.full, nk.city, add);
    }
    return [...found.values()]
      .sort((a, b) => b.score - a.score || (a.partyId < b.partyId ? -1 : 1))
      .slice(0, limit);
  }

  private fuzzy(key: string, city: string | null, add: (id: string, s: PartySource, score: number) => void): void {
    const counts = new Map<string, number>();
    for (const g of new Set(bigrams(key))) {
      const posting = this.gramIndex.get(g);
      if (!posting || posting.length > MAX_FUZZY_POSTING) continue;
      for (const id of posting) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const scored: [string, number][] = [];
    for (const [id, c] of counts) {
      if (c < 2) continue;
      // A payer naming another city is another company (杭州瑞丰科技 ≠ 广州瑞丰科技).
      const pc = this.cityOf.get(id);
      if (city && pc && pc !== city) continue;
      let bestSim = 0;
      for (const k of this.fullKeyOf.get(id) ?? []) {
        bestSim = Math.max(bestSim, dice(key, k));
        // A bank that truncates long names: the payer name is a long prefix of the party name.
        if (key.length >= 6 && k.startsWith(key)) bestSim = Math.max(bestSim, 0.85);
      }
      if (bestSim >= 0.8) scored.push([id, bestSim]);
    }
    scored.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const top = scored[0];
    if (!top) return;
    const second = scored[1]?.[1] ?? 0;
    const margin = top[1] - second;
    for (const [id, sim] of scored.slice(0, 3)) {
      const base = 0.5 + (sim - 0.8) * 2; // 0.5 … 0.9
      add(id, 'name_fuzzy', id === top[0] && margin > 0.1 ? base : base * 0.6);
    }
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const arr = m.get(k);
  if (arr) {
    if (!arr.includes(v)) arr.push(v);
  } else m.set(k, [v]);
}
