/**
 * One entry point for a bank statement file of any supported format: size limit first, then
 * text decoding, format sniffing, parsing and the statement's own control checks. Pure.
 */
import { camtNamespace, parseCamt } from './camt';
import { type CheckResult, checkFile, type ParsedStatementFile } from './model';
import { looksLikeMt940, parseMt940 } from './mt940';
import { assertNoBinary, checkSize, decodeText, FormatError, looksLikeXml, parseXml } from '../xml';

export interface ParseOptions {
  /** Largest accepted file in bytes (default 50 MB, SHOUFU_IMPORT_MAX_MB). */
  maxBytes?: number;
}

export interface ParsedStatement extends ParsedStatementFile {
  check: CheckResult;
}

const EINVOICE_ROOTS = new Set(['Invoice', 'CreditNote', 'CrossIndustryInvoice', 'CrossIndustryDocument', 'eInvoice']);

export function parseStatementFile(bytes: Uint8Array, options: ParseOptions = {}): ParsedStatement {
  checkSize(bytes.byteLength, options.maxBytes);
  const text = decodeText(bytes);
  let parsed: ParsedStatementFile;
  if (looksLikeXml(text)) {
    if (/^\s*<OFX>/i.test(text) || /<\?OFX\b/i.test(text.slice(0, 500))) {
      throw new FormatError('unsupported_format', 'OFX statements are not supported yet (camt.053/052/054, MT940 and MT942 are)');
    }
    const xml = parseXml(text);
    if (EINVOICE_ROOTS.has(xml.root)) {
      throw new FormatError('not_a_statement', `this is an e-invoice (${xml.root}), not a bank statement: use "shoufu einvoice import"`);
    }
    if (!camtNamespace(xml) && !/Document|message|BkToCstmr/i.test(xml.root)) {
      throw new FormatError('unknown_format', `an XML document with root <${xml.root}> is not an ISO 20022 camt statement`);
    }
    parsed = parseCamt(xml);
  } else {
    assertNoBinary(text, '\u0001\u0003\u001a');
    if (/^\s*OFXHEADER/i.test(text)) throw new FormatError('unsupported_format', 'OFX statements are not supported yet (camt.053/052/054, MT940 and MT942 are)');
    if (/^\s*01,/.test(text)) throw new FormatError('unsupported_format', 'BAI2 files are not supported yet (camt.053/052/054, MT940 and MT942 are)');
    if (!looksLikeMt940(text)) throw new FormatError('unknown_format', 'the file is neither ISO 20022 camt XML nor a SWIFT MT940/MT942 statement');
    parsed = parseMt940(text);
  }
  return { ...parsed, check: checkFile(parsed) };
}
