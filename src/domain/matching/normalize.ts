/**
 * Normalisation of company names, accounts and free text. Company names are reduced to keys so
 * that the usual variants compare equal:
 *
 *   上海华信贸易有限公司 · 华信贸易（上海）有限公司 · 华信贸易(上海)股份有限公司 → canonical "上海|华信贸易"
 *   HUAXIN TRADING (SHANGHAI) CO., LTD. · Huaxin Trading Shanghai Co Ltd        → canonical "shanghai|huaxintrading"
 *
 * Keys: `full` (suffixes stripped, bracket content kept in place), `canonical` (city|core, the city
 * taken from brackets or a leading city name), `core` (without city).
 */

/** Cities and provinces recognised as a leading or bracketed qualifier (without 市/省). */
const CITIES_ZH = [
  '北京', '上海', '天津', '重庆', '广州', '深圳', '杭州', '南京', '苏州', '无锡', '宁波', '温州', '成都', '武汉', '西安',
  '长沙', '郑州', '济南', '青岛', '厦门', '福州', '合肥', '南昌', '昆明', '贵阳', '南宁', '海口', '沈阳', '大连', '长春',
  '哈尔滨', '石家庄', '太原', '呼和浩特', '兰州', '西宁', '银川', '乌鲁木齐', '拉萨', '东莞', '佛山', '珠海', '中山', '常州',
  '嘉兴', '绍兴', '金华', '台州', '烟台', '潍坊', '泉州', '惠州', '昆山', '江苏', '浙江', '广东', '山东', '福建', '河北',
  '河南', '湖北', '湖南', '四川', '安徽', '江西', '辽宁', '吉林', '黑龙江', '陕西', '山西', '云南', '广西', '海南', '甘肃',
  '香港', '澳门', '台湾', '中国',
];
const CITIES_EN = [
  'beijing', 'shanghai', 'tianjin', 'chongqing', 'guangzhou', 'shenzhen', 'hangzhou', 'nanjing', 'suzhou', 'wuxi', 'ningbo',
  'chengdu', 'wuhan', 'xian', 'xiamen', 'qingdao', 'dalian', 'hongkong', 'hong kong', 'china', 'asia', 'singapore',
];
const CITY_SET = new Set<string>([...CITIES_ZH, ...CITIES_EN.map((c) => c.replace(/\s+/g, ''))]);
const CITIES_ZH_BY_LENGTH = [...CITIES_ZH].sort((a, b) => b.length - a.length);

/** Legal-form suffixes, longest first; stripped repeatedly from the end. */
const SUFFIXES_ZH = [
  '集团股份有限公司', '集团有限责任公司', '集团有限公司', '股份有限公司', '有限责任公司', '有限公司', '股份公司', '集团公司',
  '总公司', '集团', '公司',
];
const SUFFIXES_EN = [
  'company limited', 'co ltd', 'coltd', 'co limited', 'limited', 'ltd', 'incorporated', 'inc', 'corporation', 'corp', 'llc',
  'gmbh', 'plc', 'pte', 'ag', 'sa', 'bv', 'company', 'co', 'group', 'holdings',
];

/** NFKC (full-width → half-width), lower case, unified brackets, trimmed. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[【〔［]/g, '(')
    .replace(/[】〕］]/g, ')')
    .toLowerCase()
    .trim();
}

/** Account numbers compare on their digits and letters only. */
export function normalizeAccount(account: string | null | undefined): string | null {
  if (!account) return null;
  const k = account.normalize('NFKC').replace(/[^0-9A-Za-z]/g, '').toUpperCase();
  return k.length >= 4 ? k : null;
}

/** Upper-case alphanumerics only: "INV25-000123" → "INV25000123". */
export function alnumKey(text: string): string {
  return text.normalize('NFKC').replace(/[^0-9A-Za-z]/g, '').toUpperCase();
}

export interface NameKeys {
  /** Suffix-free name with bracket content kept in place ("华信贸易上海"). */
  full: string;
  /** city|core ("上海|华信贸易"); "|core" when there is no city. */
  canonical: string;
  /** Name without city and legal form ("华信贸易"). */
  core: string;
  city: string | null;
  latin: boolean;
}

function stripSuffixes(s: string, latin: boolean): string {
  let out = s;
  for (let changed = true; changed; ) {
    changed = false;
    out = out.trim();
    if (latin) {
      for (const suf of SUFFIXES_EN) {
        if (out === suf) continue;
        if (out.endsWith(` ${suf}`)) {
          out = out.slice(0, -suf.length - 1);
          changed = true;
          break;
        }
      }
    } else {
      for (const suf of SUFFIXES_ZH) {
        if (out.length > suf.length + 1 && out.endsWith(suf)) {
          out = out.slice(0, -suf.length);
          changed = true;
          break;
        }
      }
    }
  }
  return out;
}

/** Keys of a company (or person) name; null for an empty name. */
export function nameKeys(name: string | null | undefined): NameKeys | null {
  if (!name) return null;
  let s = normalizeText(name);
  const latin = !/[\u4e00-\u9fff]/.test(s);
  // Bracketed qualifiers: (上海), (china), (集团) …
  let city: string | null = null;
  s = s.replace(/\(([^()]{1,24})\)/g, (_m, inner: string) => {
    const q = inner.replace(/[\s.]/g, '').replace(/[市省]$/, '');
    if (CITY_SET.has(q)) {
      city ??= q;
      return latin ? ' ' : '';
    }
    if (q === '集团' || q === 'group') return latin ? ' ' : '';
    return latin ? ` ${inner} ` : inner;
  });
  if (latin) s = s.replace(/[^a-z0-9\s]/g, ' ').replace(/\s+/g, ' ').trim();
  else s = s.replace(/[\s\p{P}\p{S}]/gu, '');
  s = stripSuffixes(s, latin);
  let core = s;
  if (latin) {
    // A city word at the start or end ("shanghai huaxin trading", "huaxin trading shanghai").
    const words = s.split(' ');
    if (city === null && words.length > 1) {
      if (CITY_SET.has(words[0]!)) {
        city = words[0]!;
        core = words.slice(1).join(' ');
      } else if (CITY_SET.has(words[words.length - 1]!)) {
        city = words[words.length - 1]!;
        core = words.slice(0, -1).join(' ');
      }
    }
    core = stripSuffixes(core, true).replace(/\s+/g, '');
    s = s.replace(/\s+/g, '');
  } else if (city === null) {
    for (const c of CITIES_ZH_BY_LENGTH) {
      if (s.startsWith(c)) {
        let rest = s.slice(c.length);
        if (rest.startsWith('市') || rest.startsWith('省')) rest = rest.slice(1);
        if (rest.length >= 2) {
          city = c;
          core = rest;
        }
        break;
      }
    }
  } else {
    core = s;
  }
  if (core.length === 0) core = s;
  return { full: s, canonical: `${city ?? ''}|${core}`, core, city, latin };
}

/** Character bigrams of a key (for fuzzy name matching). */
export function bigrams(key: string): string[] {
  if (key.length < 2) return key.length ? [key] : [];
  const out: string[] = [];
  for (let i = 0; i + 1 < key.length; i++) out.push(key.slice(i, i + 2));
  return out;
}

/** Sørensen–Dice similarity of two keys on bigrams, in [0, 1]. */
export function dice(a: string, b: string): number {
  const A = bigrams(a);
  const B = bigrams(b);
  if (A.length === 0 || B.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const g of A) counts.set(g, (counts.get(g) ?? 0) + 1);
  let common = 0;
  for (const g of B) {
    const c = counts.get(g) ?? 0;
    if (c > 0) {
      common++;
      counts.set(g, c - 1);
    }
  }
  return (2 * common) / (A.length + B.length);
}

const COMPANY_WORDS = /公司|集团|厂|店|中心|研究院|事务所|合作社|商行|银行|医院|学校|大学|协会|部|局|院|所|站|行$/;

/** A name that looks like a private person: 2–4 Chinese characters with no organisation word. */
export function looksPersonal(name: string | null | undefined): boolean {
  if (!name) return false;
  const s = normalizeText(name).replace(/[\s·•.]/g, '');
  if (/^[\u4e00-\u9fff]{2,4}$/.test(s)) return !COMPANY_WORDS.test(s);
  return false;
}
