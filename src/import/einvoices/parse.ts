/**
 * One entry point for an e-invoice file: size limit, decoding, safe XML parsing, syntax
 * detection by root element, parsing, and the check against the document's own totals. Pure.
 */
import { checkSize, decodeText, FormatError, looksLikeXml, type ParsedXml, parseXml } from '../xml';
import { parseCii } from './cii';
import { parseEdrm, parseOfdInvoice, parseXbrl } from './cn';
import { checkTotals, type EInvoice, type TotalsCheck } from './model';
import { parseUbl } from './ubl';

export interface ParsedEInvoice {
  invoice: EInvoice;
  check: TotalsCheck;
}

function xmlOf(bytes: Uint8Array, maxBytes?: number): ParsedXml {
  checkSize(bytes.byteLength, maxBytes);
  const text = decodeText(bytes);
  if (!looksLikeXml(text)) {
    // Binary garbage and other non-XML get the same clear answer: not an XML e-invoice.
    throw new FormatError('not_xml', 'the file is not XML; e-invoices are UBL, UN/CEFACT CII or Chinese e-invoice XML');
  }
  return parseXml(text);
}

export function parseEInvoiceXml(xml: ParsedXml): EInvoice {
  const ubl = xml.namespaces.some((n) => n.startsWith('urn:oasis:names:specification:ubl:schema:xsd:'));
  switch (xml.root) {
    case 'Invoice':
    case 'CreditNote':
      return parseUbl(xml);
    case 'CrossIndustryInvoice':
    case 'CrossIndustryDocument':
      return parseCii(xml);
    case 'CrossDomainAcknowledgementAndResponse':
      throw new FormatError('unsupported_document', 'this is a CDAR invoice life-cycle status message (e.g. French CTC), not an invoice');
    case 'eInvoice':
      return parseEdrm(xml);
    case 'xbrl':
      if (xml.namespaces.some((n) => n.includes('xbrl.mof.gov.cn'))) return parseXbrl(xml);
      throw new FormatError('unsupported_document', 'an XBRL instance that is not the MOF e-invoice taxonomy');
    case 'root':
    case 'Page':
    case 'Document':
      if (xml.namespaces.some((n) => n.includes('ofdspec.org'))) {
        throw new FormatError(
          'ofd_part',
          `this is one part of an OFD container (${xml.root === 'root' ? 'the CustomTag map' : 'page or template content'}); an OFD invoice needs its tag map and page content together (shoufu einvoice parse TAGS.xml --ofd-page PAGE.xml)`,
        );
      }
      if (xml.namespaces.some((n) => n.includes('iso:20022'))) {
        throw new FormatError('not_an_invoice', 'this is an ISO 20022 bank statement, not an e-invoice: use "shoufu statement import"');
      }
      break;
  }
  if (ubl) throw new FormatError('unsupported_document', `UBL ${xml.root} documents are not imported; only Invoice and CreditNote are`);
  throw new FormatError('unknown_format', `an XML document with root <${xml.root}> is not a UBL, CII or Chinese e-invoice`);
}

export function parseEInvoiceFile(bytes: Uint8Array, options: { maxBytes?: number } = {}): ParsedEInvoice {
  const invoice = parseEInvoiceXml(xmlOf(bytes, options.maxBytes));
  return { invoice, check: checkTotals(invoice) };
}

/** A 数电票 OFD from its CustomTag map and its page content (both extracted from the .ofd zip). */
export function parseOfdParts(customTag: Uint8Array, page: Uint8Array, options: { maxBytes?: number } = {}): ParsedEInvoice {
  const invoice = parseOfdInvoice(xmlOf(customTag, options.maxBytes), xmlOf(page, options.maxBytes));
  return { invoice, check: checkTotals(invoice) };
}
