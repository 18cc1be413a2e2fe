/**
 * Reading untrusted import files safely: a size limit checked before anything is read, binary
 * garbage and truncated documents rejected with a named reason, and XML parsed by fast-xml-parser
 * with entity processing switched off. A document that declares a DOCTYPE or an ENTITY is refused
 * before parsing, so neither external entities (XXE) nor entity expansion ("billion laughs") can
 * ever happen, whatever the parser's own defaults are. Only the five predefined XML entities and
 * numeric character references are decoded, by this module, one level deep.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import iconv from 'iconv-lite';

/** A file that is not what it claims to be, or is broken; code is stable, message says where. */
export class FormatError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Default largest import file: 50 MB, or SHOUFU_IMPORT_MAX_MB. */
export function defaultMaxBytes(): number {
  const mb = Number(process.env.SHOUFU_IMPORT_MAX_MB ?? '');
  return Number.isFinite(mb) && mb > 0 ? Math.floor(mb * 1024 * 1024) : 50 * 1024 * 1024;
}

export function checkSize(size: number, maxBytes = defaultMaxBytes()): void {
  if (size > maxBytes) {
    throw new FormatError(
      'file_too_large',
      `the file has ${size} bytes, more than the import limit of ${maxBytes} bytes (SHOUFU_IMPORT_MAX_MB)`,
    );
  }
  if (size === 0) throw new FormatError('empty_file', 'the file is empty');
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes to text. UTF-8 (with or without BOM) and UTF-16 with BOM are recognised; an XML
 * declaration naming another encoding (ISO-8859-1, GBK, GB18030 …) is honoured through
 * iconv-lite; other text that is not valid UTF-8 is read as Windows-1252 (old European MT940).
 * Whether the text is plausible is for assertNoBinary() to say, once the format is known.
 */
export function decodeText(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text: string;
  if (buf[0] === 0xff && buf[1] === 0xfe) text = iconv.decode(buf.subarray(2), 'utf-16le');
  else if (buf[0] === 0xfe && buf[1] === 0xff) text = iconv.decode(buf.subarray(2), 'utf-16be');
  else {
    const start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    const body = buf.subarray(start);
    const head = body.subarray(0, 200).toString('latin1');
    const declared = /^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']/.exec(head)?.[1];
    if (declared && !/^utf-?8$/i.test(declared)) {
      if (!iconv.encodingExists(declared)) {
        throw new FormatError('unsupported_encoding', `the XML declares encoding "${declared}", which is not supported`);
      }
      text = iconv.decode(body, declared);
    } else {
      try {
        text = UTF8.decode(body);
      } catch {
        if (declared) throw new FormatError('invalid_utf8', 'the XML declares UTF-8 but contains bytes that are not UTF-8');
        text = iconv.decode(body, 'win1252');
      }
    }
  }
  return text;
}

/**
 * Control characters other than tab, CR and LF (and those a format allows, such as SWIFT's SOH/ETX
 * message delimiters and the DOS end-of-file mark 0x1A) mean the file is binary: it is refused
 * rather than half-read.
 */
export function assertNoBinary(text: string, allowed = ''): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for exactly these characters
  const control = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
  for (const m of text.matchAll(control)) {
    if (allowed.includes(m[0])) continue;
    const line = text.slice(0, m.index).split('\n').length;
    throw new FormatError(
      'binary_data',
      `the file contains binary data (control character 0x${m[0].charCodeAt(0).toString(16).padStart(2, '0')} on line ${line}); it is not a text statement or an XML document`,
    );
  }
}

export function looksLikeXml(text: string): boolean {
  return /^\s*</.test(text);
}

/** Refuses DOCTYPE and ENTITY declarations anywhere in the text (case-insensitive). */
export function assertNoDtd(text: string): void {
  const m = /<!\s*(DOCTYPE|ENTITY)/i.exec(text);
  if (m) {
    const line = text.slice(0, m.index).split('\n').length;
    throw new FormatError(
      'xml_dtd_forbidden',
      `the XML contains a <!${m[1]!.toUpperCase()} declaration (line ${line}); document type declarations and entities are refused for safety (XXE, entity expansion)`,
    );
  }
}

/** A parsed element as fast-xml-parser gives it: a string for a text-only leaf, else an object. */
export type XmlValue = string | XmlObject;
export interface XmlObject {
  [key: string]: XmlValue | XmlValue[] | undefined;
}

const parser = new XMLParser({
  // Entities are never expanded by the parser; see decodeEntities() below.
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  // Values stay strings: amounts must never pass through a JavaScript number.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: 200,
});

export interface ParsedXml {
  root: string;
  /** The root element's content (namespace prefixes removed from names). */
  doc: XmlObject;
  /** Every namespace URI declared anywhere in the document, by prefix ('' = default). */
  namespaces: string[];
}

/** Text → element tree, or a FormatError naming what is wrong. */
export function parseXml(text: string): ParsedXml {
  assertNoDtd(text);
  assertNoBinary(text);
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    // A document cut short ends inside a tag or leaves elements open; the validator words that
    // differently depending on where the cut fell, so judge by the ending too.
    const lastLine = text.trimEnd().split('\n').length;
    const truncated = !text.trimEnd().endsWith('>') || line >= lastLine || /unclosed|Invalid '\[/i.test(msg);
    const open = /Invalid '\[(.*)\]' found/s.exec(msg);
    const detail = open ? `elements left open: ${open[1]!.replace(/[\s"]/g, '').split(',').join(' > ')}` : `${msg} at line ${line}, column ${col}`;
    throw new FormatError(truncated ? 'xml_truncated' : 'xml_malformed', `the XML is ${truncated ? 'incomplete (truncated?)' : 'not well-formed'}: ${detail}`);
  }
  let tree: XmlObject;
  try {
    tree = parser.parse(text) as XmlObject;
  } catch (err) {
    throw new FormatError('xml_malformed', `the XML could not be parsed: ${(err as Error).message}`);
  }
  const roots = Object.keys(tree).filter((k) => !k.startsWith('@_') && k !== '#text');
  if (roots.length !== 1) throw new FormatError('xml_malformed', 'the XML has no single root element');
  const root = roots[0]!;
  const rootValue = tree[root];
  const doc: XmlObject = typeof rootValue === 'object' && !Array.isArray(rootValue) ? rootValue : {};
  const namespaces = [...text.matchAll(/\sxmlns(?::[\w.-]+)?\s*=\s*["']([^"']*)["']/g)].map((m) => m[1]!);
  return { root, doc, namespaces };
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the predefined entities and character references once; anything else is left as is. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|lt|gt|amp|quot|apos);/g, (all, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return PREDEFINED[name] ?? all;
  });
}

// ---------------------------------------------------------------------------------------------
// Navigation helpers over the tree. Paths are local element names separated by '/'.
// ---------------------------------------------------------------------------------------------

function asArray(v: XmlValue | XmlValue[] | undefined): XmlValue[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** All elements at a path below node. */
export function all(node: XmlValue | undefined, path: string): XmlValue[] {
  let current: XmlValue[] = node === undefined ? [] : [node];
  for (const step of path.split('/')) {
    const next: XmlValue[] = [];
    for (const n of current) if (typeof n === 'object') next.push(...asArray(n[step]));
    current = next;
  }
  return current;
}

/** The first element at a path, if any. */
export function one(node: XmlValue | undefined, path: string): XmlValue | undefined {
  return all(node, path)[0];
}

/** The first element at the first path that exists. */
export function first(node: XmlValue | undefined, ...paths: string[]): XmlValue | undefined {
  for (const p of paths) {
    const v = one(node, p);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** An element's own text (entities decoded), or undefined when absent or empty. */
export function textOf(v: XmlValue | undefined): string | undefined {
  if (v === undefined) return undefined;
  const raw = typeof v === 'string' ? v : typeof v['#text'] === 'string' ? v['#text'] : undefined;
  if (raw === undefined) return undefined;
  const s = decodeEntities(raw).trim();
  return s === '' ? undefined : s;
}

/** Text of the first element at the first existing path. */
export function text(node: XmlValue | undefined, ...paths: string[]): string | undefined {
  for (const p of paths) {
    for (const v of all(node, p)) {
      const t = textOf(v);
      if (t !== undefined) return t;
    }
  }
  return undefined;
}

/** Texts of all elements at a path. */
export function texts(node: XmlValue | undefined, path: string): string[] {
  return all(node, path)
    .map(textOf)
    .filter((t): t is string => t !== undefined);
}

export function attr(v: XmlValue | undefined, name: string): string | undefined {
  if (v === undefined || typeof v === 'string') return undefined;
  const a = v[`@_${name}`];
  return typeof a === 'string' ? decodeEntities(a).trim() || undefined : undefined;
}
