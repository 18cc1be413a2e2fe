/**
 * References in the remittance text: invoice numbers in any form, contract and order numbers.
 *
 *   full            INV25-000123, inv25000123, ＩＮＶ２５－０００１２３ (full-width)
 *   alt             another number of the invoice (e.g. the 数电发票 number)
 *   digits          25000123 (all digits of the number)
 *   serial          000123 (the last digit group), only when unambiguous
 *   list            INV25-000123/124、125 (short tails replace the end of the previous number)
 *   range           INV25-000123~000126, INV25-000123至126, INV25-000123 TO INV25-000126
 *   typo            one digit mistyped (INV25-000124 → INV25-000123) — only when exactly one open
 *   transposition   two adjacent digits swapped (INV25-000132 → INV25-000123)   invoice fits
 *
 * Ambiguous forms (a serial or a typo fitting two open invoices) are resolved by the candidate
 * payer's invoices when a payer is known, and dropped otherwise.
 */
import { alnumKey, normalizeText } from './normalize';
import type { OpenItem } from './types';

export type RefHow = 'full' | 'alt' | 'digits' | 'serial' | 'list' | 'range' | 'typo' | 'transposition';

export interface InvoiceRef {
  invoiceNumber: string;
  how: RefHow;
  /** The text as written. */
  token: string;
}

export interface ContractRef {
  kind: 'contract' | 'order';
  number: string;
  token: string;
}

export interface References {
  invoices: InvoiceRef[];
  contracts: ContractRef[];
  /** Tokens that fit several open invoices and were not used. */
  ambiguous: string[];
}

interface Template {
  prefix: string;
  serial: string;
}

export class RefIndex {
  readonly itemsByInvoice = new Map<string, OpenItem[]>();
  readonly itemsByContract = new Map<string, OpenItem[]>();
  readonly itemsByOrder = new Map<string, OpenItem[]>();
  private readonly byKey = new Map<string, string>();
  private readonly byAlt = new Map<string, string>();
  private readonly byDigits = new Map<string, string[]>();
  private readonly bySerial = new Map<string, string[]>();
  private readonly contractByKey = new Map<string, string>();
  private readonly orderByKey = new Map<string, string>();
  private readonly templates = new Map<string, Template>();

  /** Whether a token is one of the open items' invoice, alternative, contract or order numbers. */
  knows(token: string): boolean {
    const k = alnumKey(token);
    return !!k && (this.byKey.has(k) || this.byAlt.has(k) || this.contractByKey.has(k) || this.orderByKey.has(k));
  }

  constructor(items: readonly OpenItem[]) {
    for (const it of items) {
      const inv = it.invoiceNumber;
      let arr = this.itemsByInvoice.get(inv);
      if (!arr) {
        arr = [];
        this.itemsByInvoice.set(inv, arr);
        const key = alnumKey(inv);
        if (key) this.byKey.set(key, inv);
        const digits = key.replace(/\D/g, '');
        if (digits.length >= 4) push(this.byDigits, digits, inv);
        // The serial is the last digit group as written ("INV25-000123" → "000123").
        const m = /^(.*?)(\d+)$/.exec(inv.normalize('NFKC').trim().toUpperCase());
        if (m) {
          this.templates.set(inv, { prefix: alnumKey(m[1]!), serial: m[2]! });
          if (m[2]!.length >= 4) push(this.bySerial, m[2]!, inv);
          const stripped = m[2]!.replace(/^0+/, '');
          if (stripped.length >= 4 && stripped !== m[2]) push(this.bySerial, stripped, inv);
        }
        for (const alt of it.altNumbers ?? []) {
          const ak = alnumKey(alt);
          if (ak.length >= 6) this.byAlt.set(ak, inv);
        }
      }
      arr.push(it);
      if (it.contractNumber) {
        const k = alnumKey(it.contractNumber);
        if (k.length >= 4) {
          this.contractByKey.set(k, it.contractNumber);
          push(this.itemsByContract, it.contractNumber, it);
        }
      }
      if (it.orderRef) {
        const k = alnumKey(it.orderRef);
        if (k.length >= 4) {
          this.orderByKey.set(k, it.orderRef);
          push(this.itemsByOrder, it.orderRef, it);
        }
      }
    }
    for (const arr of this.itemsByInvoice.values()) arr.sort((a, b) => a.seq - b.seq);
  }

  /** Exact (full or digits-only) lookup of an invoice number as written, e.g. from an advice line. */
  lookupInvoice(written: string): string | null {
    const key = alnumKey(written);
    const hit = this.byKey.get(key) ?? this.byAlt.get(key);
    if (hit) return hit;
    const d = this.byDigits.get(key);
    return d && d.length === 1 ? d[0]! : null;
  }

  /** The references found in a remittance text. */
  extract(
    text: string | null | undefined,
    opts: { partyOk?: ((invoiceNumber: string) => boolean) | null; typoMinDigits: number; rangeMaxSpan: number },
  ): References {
    const out: References = { invoices: [], contracts: [], ambiguous: [] };
    if (!text) return out;
    const cleaned = normalizeText(text)
      .toUpperCase()
      .replace(/\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?/g, ' ')
      .replace(/\d[\d,]*\.\d{1,2}(?!\d)/g, ' ');
    const seen = new Set<string>();
    const addInv = (invoiceNumber: string, how: RefHow, token: string): void => {
      if (seen.has(invoiceNumber)) return;
      seen.add(invoiceNumber);
      out.invoices.push({ invoiceNumber, how, token });
    };
    const pick = (cands: readonly string[]): string | null | 'ambiguous' => {
      const uniq = [...new Set(cands)];
      if (uniq.length === 0) return null;
      if (uniq.length === 1) return uniq[0]!;
      if (opts.partyOk) {
        const ok = uniq.filter(opts.partyOk);
        if (ok.length === 1) return ok[0]!;
      }
      return 'ambiguous';
    };
    const re = /[A-Z]*[-_]?\d[\d\-_]*/g;
    let prev: { inv: string; end: number } | null = null;
    for (let m = re.exec(cleaned); m !== null; m = re.exec(cleaned)) {
      const token = m[0].replace(/[-_]+$/, '');
      const sep = cleaned.slice(prev?.end ?? 0, m.index);
      const isRange = prev !== null && /^\s*(~|至|到|—|–|-|TO)\s*$/.test(sep);
      const isList = prev !== null && !isRange && /^[\s,，/、;；&和及]*$/.test(sep) && sep.length <= 3;
      const key = alnumKey(token);
      const digits = key.replace(/\D/g, '');
      let resolved: string | null = null;
      // Continuation of the previous number: "INV25-000123/124", "000123~126".
      if (prev && (isList || isRange) && /^\d+$/.test(key)) {
        const t = this.templates.get(prev.inv);
        if (t && key.length <= t.serial.length) {
          const serial = t.serial.slice(0, t.serial.length - key.length) + key;
          resolved = this.byKey.get(t.prefix + serial) ?? null;
          // "INV24-001645，001236" where 001236 is the payer's INV25-001236: not a continuation.
          if (resolved && !isRange && opts.partyOk && !opts.partyOk(resolved)) resolved = null;
          if (isRange) {
            this.expandRange(prev.inv, t.prefix + serial, opts.rangeMaxSpan, (inv) => addInv(inv, 'range', token));
            prev = { inv: resolved ?? prev.inv, end: m.index + m[0].length };
            continue;
          }
          if (resolved) addInv(resolved, 'list', token);
        }
      }
      if (!resolved) resolved = this.byKey.get(key) ?? null;
      if (resolved && !seen.has(resolved)) {
        if (isRange && prev) this.expandRange(prev.inv, key, opts.rangeMaxSpan, (inv) => addInv(inv, 'range', token));
        addInv(resolved, 'full', token);
      }
      if (!resolved) {
        const alt = this.byAlt.get(key);
        if (alt) {
          addInv(alt, 'alt', token);
          resolved = alt;
        }
      }
      if (!resolved) {
        const c = this.contractByKey.get(key);
        const o = this.orderByKey.get(key);
        if (c) out.contracts.push({ kind: 'contract', number: c, token });
        if (o) out.contracts.push({ kind: 'order', number: o, token });
        if (c || o) {
          prev = null;
          continue;
        }
      }
      // "INV25-000123-126": a number followed by a range end inside one token.
      if (!resolved) {
        const segs = token.split(/[-_]/).filter(Boolean);
        for (let n = segs.length - 1; n >= 1 && !resolved; n--) {
          const head = this.byKey.get(alnumKey(segs.slice(0, n).join('')));
          if (!head) continue;
          resolved = head;
          addInv(head, 'full', token);
          const t = this.templates.get(head);
          for (const tail of segs.slice(n)) {
            if (!t || !/^\d+$/.test(tail) || tail.length > t.serial.length) break;
            const end = t.prefix + t.serial.slice(0, t.serial.length - tail.length) + tail;
            this.expandRange(head, end, opts.rangeMaxSpan, (inv) => addInv(inv, 'range', token));
          }
        }
      }
      if (!resolved && digits.length >= 4 && digits === key) {
        const viaDigits = this.byDigits.get(digits) ?? [];
        const viaSerial = this.bySerial.get(digits) ?? [];
        const p = pick(viaDigits.length > 0 ? viaDigits : viaSerial);
        if (p === 'ambiguous') out.ambiguous.push(token);
        else if (p) {
          resolved = p;
          addInv(p, viaDigits.length > 0 ? 'digits' : 'serial', token);
        }
      }
      if (!resolved && digits.length >= opts.typoMinDigits) {
        const cands: [string, RefHow][] = [];
        for (const [variant, how] of typoVariants(key)) {
          const hit =
            this.byKey.get(variant) ??
            (/^\d+$/.test(variant) ? uniqueOf(this.byDigits.get(variant) ?? this.bySerial.get(variant)) : null);
          if (hit) cands.push([hit, how]);
        }
        const p = pick(cands.map((c) => c[0]));
        if (p === 'ambiguous') out.ambiguous.push(token);
        else if (p) {
          resolved = p;
          addInv(p, cands.find((c) => c[0] === p)![1], token);
        }
      }
      prev = resolved ? { inv: resolved, end: m.index + m[0].length } : null;
    }
    return out;
  }

  private expandRange(fromInv: string, toKey: string, maxSpan: number, add: (inv: string) => void): void {
    const t = this.templates.get(fromInv);
    if (!t || !toKey.startsWith(t.prefix)) return;
    const end = toKey.slice(t.prefix.length);
    if (end.length !== t.serial.length || !/^\d+$/.test(end)) return;
    const a = Number(t.serial);
    const b = Number(end);
    if (!(b > a) || b - a > maxSpan) return;
    for (let n = a; n <= b; n++) {
      const inv = this.byKey.get(t.prefix + String(n).padStart(t.serial.length, '0'));
      if (inv) add(inv);
    }
  }
}

/** One-digit substitutions and adjacent-digit transpositions of a key. */
export function typoVariants(key: string): [string, RefHow][] {
  const out: [string, RefHow][] = [];
  for (let i = 0; i < key.length; i++) {
    const c = key[i]!;
    if (c < '0' || c > '9') continue;
    for (let d = 0; d <= 9; d++) {
      const r = String(d);
      if (r !== c) out.push([key.slice(0, i) + r + key.slice(i + 1), 'typo']);
    }
    const n = key[i + 1];
    if (n !== undefined && n >= '0' && n <= '9' && n !== c) {
      out.push([key.slice(0, i) + n + c + key.slice(i + 2), 'transposition']);
    }
  }
  return out;
}

function uniqueOf(arr: readonly string[] | undefined): string | null {
  return arr && arr.length === 1 ? arr[0]! : null;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const arr = m.get(k);
  if (arr) arr.push(v);
  else m.set(k, [v]);
}
