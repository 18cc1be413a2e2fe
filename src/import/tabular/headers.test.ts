import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectKind, FAMILY_FIELDS, type Family, knownHeaderCount, matchHeader, matchStatementHeader, missingColumns, normalizeHeader, normalizeOverrides, type Side } from './headers';

const fieldsOf = (header: string[], family: Family, side: Side | null = null, overrides = {}) => {
  const m = matchHeader(header, family, side, overrides);
  return Object.fromEntries(m.columns.map((c) => [c.header, c.status === 'mapped' ? c.field : c.status]));
};

describe('header normalisation', () => {
  it.each([
    ['  Invoice_No. ', 'invoiceno'],
    ['客户 编码', '客户编码'],
    ['ＣＵＳＴＯＭＥＲ　ＣＯＤＥ', 'customercode'],
    ['*客户编码', '客户编码'],
    ['Due-Date:', 'duedate'],
    ['价税合计（元）', '价税合计(元)'],
    ['【备注】', '[备注]'],
  ])('%j → %s', (raw, norm) => {
    expect(normalizeHeader(raw)).toBe(norm);
  });

  it('matches every alias of the dictionary however it is cased, spaced, punctuated or widened', () => {
    const aliases = (['party', 'invoice', 'receipt'] as Family[]).flatMap((family) =>
      FAMILY_FIELDS[family].flatMap((f) =>
        f.aliases.map((a) => ({ family, field: f.key, ignore: !!f.ignore, name: (typeof a === 'string' ? a : a.name).replace(/[@!](AR|AP)$/, '') })),
      ),
    );
    const widen = (s: string) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    fc.assert(
      fc.property(
        fc.constantFrom(...aliases),
        fc.constantFrom('upper', 'lower', 'wide', 'spaced', 'underscored', 'starred'),
        ({ family, field, ignore, name }, style) => {
          const decorated = {
            upper: name.toUpperCase(),
            lower: name.toLowerCase(),
            wide: widen(name),
            spaced: ` ${name.split('').join(' ')} `,
            underscored: name.replace(/ /g, '_'),
            starred: `*${name}`,
          }[style];
          const m = matchHeader([decorated], family, null);
          const c = m.columns[0]!;
          // An alias always lands on its field (or its side's reading of the header).
          expect(c.status).toBe(ignore ? 'ignored' : 'mapped');
          if (!ignore && c.field !== field) {
            const sameHeader = FAMILY_FIELDS[family].some((f) => f.key === c.field && f.aliases.some((a) => normalizeHeader((typeof a === 'string' ? a : a.name).replace(/[@!](AR|AP)$/, '')) === normalizeHeader(name)));
            expect(sameHeader).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('matching a header row', () => {
  it('maps Chinese ERP, English and export spellings alike', () => {
    expect(fieldsOf(['客户编码', '客户代码', '客户编号'], 'party')).toEqual({ 客户编码: 'partyCode', 客户代码: 'duplicate', 客户编号: 'duplicate' });
    expect(fieldsOf(['Customer Code', 'Customer Name', 'Payment Terms', 'Credit Limit', '纳税人识别号', '业务员'], 'party')).toEqual({
      'Customer Code': 'partyCode',
      'Customer Name': 'partyName',
      'Payment Terms': 'paymentTerms',
      'Credit Limit': 'creditLimit',
      纳税人识别号: 'uscc',
      业务员: 'owner',
    });
    expect(fieldsOf(['code', 'name', 'uscc', 'region', 'payment_terms_days', 'credit_limit', 'parent_code', 'open_cny', 'external_ids'], 'party')).toEqual({
      code: 'partyCode',
      name: 'partyName',
      uscc: 'uscc',
      region: 'region',
      payment_terms_days: 'paymentTerms',
      credit_limit: 'creditLimit',
      parent_code: 'parentCode',
      open_cny: 'ignored',
      external_ids: 'externalIds',
    });
  });

  it('puts 价税合计 on the total and 金额 beside it on the amount before tax', () => {
    expect(fieldsOf(['发票号码', '开票日期', '购买方名称', '金额', '税额', '价税合计'], 'invoice')).toEqual({
      发票号码: 'number',
      开票日期: 'issueDate',
      购买方名称: 'partyName',
      金额: 'subtotal',
      税额: 'tax',
      价税合计: 'total',
    });
    expect(fieldsOf(['单据编号', '金额', '税额'], 'invoice')).toMatchObject({ 金额: 'total', 税额: 'tax' });
  });

  it('takes 单据编号 as the document number and 发票号码 beside it as the tax invoice number', () => {
    expect(fieldsOf(['发票号码', '单据编号'], 'invoice')).toEqual({ 单据编号: 'number', 发票号码: 'einvoiceNumber' });
  });

  it('prefers an exact header to a bracket-stripped one, and reports the other as a duplicate', () => {
    expect(fieldsOf(['价税合计(本位币)', '价税合计'], 'invoice')).toEqual({ '价税合计(本位币)': 'duplicate', 价税合计: 'total' });
    expect(fieldsOf(['应收金额（元）', '账期(天)'], 'invoice')).toEqual({ '应收金额（元）': 'total', '账期(天)': 'paymentTerms' });
  });

  it('reads 付款账号 and 收款账号 by the side of the file', () => {
    expect(fieldsOf(['付款账号', '收款账号'], 'receipt', 'AR')).toEqual({ 付款账号: 'counterpartyAccount', 收款账号: 'bankAccount' });
    expect(fieldsOf(['付款账号', '收款账号'], 'receipt', 'AP')).toEqual({ 付款账号: 'bankAccount', 收款账号: 'counterpartyAccount' });
    expect(fieldsOf(['付款单位', '核销发票号', '发票号码'], 'receipt', 'AR')).toEqual({ 付款单位: 'counterpartyName', 核销发票号: 'settles', 发票号码: 'duplicate' });
  });

  it('reports unknown columns, and applies user mappings over the dictionary', () => {
    const header = ['往来户编号', '客户名称', '备注2', '单据状态'];
    expect(fieldsOf(header, 'party')).toEqual({ 往来户编号: 'unrecognised', 客户名称: 'partyName', 备注2: 'unrecognised', 单据状态: 'unrecognised' });
    const overrides = normalizeOverrides({ '往来户 编号': 'partyCode', 备注2: 'ignore' });
    const m = matchHeader(header, 'party', null, overrides);
    expect(m.columns.map((c) => [c.status, c.field, c.source])).toEqual([
      ['mapped', 'partyCode', 'mapping'],
      ['mapped', 'partyName', 'dictionary'],
      ['ignored', null, 'mapping'],
      ['unrecognised', null, null],
    ]);
  });

  it('names the required columns a file lacks', () => {
    expect(missingColumns(matchHeader(['单据编号', '客户编码', '价税合计'], 'invoice', 'AR'))).toEqual([['issueDate']]);
    expect(missingColumns(matchHeader(['收款日期', '收款金额'], 'receipt', 'AR'))).toEqual([['number', 'bankReference']]);
  });

  it('counts known headers to find the header row under a title block', () => {
    expect(knownHeaderCount(['应收单'], null)).toBe(0);
    expect(knownHeaderCount(['组织：上海收付测试有限公司', '', '期间：2025年3月'], null)).toBe(0);
    expect(knownHeaderCount(['单据编号', '业务日期', '客户编码', '价税合计'], null)).toBe(4);
  });
});

describe('kind detection from the headers', () => {
  it.each([
    [['单据编号', '业务日期', '到期日', '客户编码', '客户', '币别', '价税合计', '税额', '单据状态'], 'invoices'],
    [['单据编号', '业务日期', '到期日', '供应商编码', '供应商', '币别', '价税合计', '税额'], 'bills'],
    [['单据编号', '业务日期', '客户编码', '付款单位', '收款金额', '银行流水号', '摘要', '核销发票号'], 'receipts'],
    [['单据编号', '付款日期', '供应商编码', '付款金额', '交易流水号', '用途'], 'payments'],
    [['客户编码', '客户名称', '统一社会信用代码', '区域', '省份', '行业', '业务员', '信用额度', '账期'], 'customers'],
    [['供应商编码', '供应商名称', '纳税人识别号', '付款条件'], 'suppliers'],
    [['number', 'entity', 'kind', 'customer_code', 'customer_name', 'issue_date', 'due_date', 'currency', 'amount', 'allocated', 'open_balance'], 'invoices'],
    [['number', 'entity', 'kind', 'supplier_code', 'supplier_name', 'issue_date', 'due_date', 'currency', 'amount'], 'bills'],
    [['发票号码', '开票日期', '购买方名称', '购买方纳税人识别号', '金额', '税额', '价税合计'], 'invoices'],
    [['收款日期', '付款方', '对方账号', '收款金额', '交易流水号', '附言'], 'receipts'],
    [['合同编号', '合同名称', '客户编码', '客户名称', '合同金额', '币种', '签订日期', '付款计划', '执行状态'], 'contracts'],
    [['合同号', '供应商名称', '合同总额', '生效日期', '付款条件'], 'purchase_contracts'],
    [['contract no', 'customer code', 'contract amount', 'signed on', 'payment schedule'], 'contracts'],
  ])('%j → %s', (header, kind) => {
    expect(detectKind(header).kind).toBe(kind);
  });

  it.each([
    [['code', 'name', 'uscc', 'region', 'payment_terms_days']],
    [['number', 'entity', 'party_code', 'party_name', 'date', 'currency', 'amount', 'bank_reference']],
    [['日期', '金额']],
    [['日期', '单号', '往来单位', '金额']],
  ])('does not guess %j', (header) => {
    const d = detectKind(header);
    expect(d.kind).toBeNull();
    if (!d.kind) expect(d.reason).toMatch(/\S/);
  });
});

describe('bank statement table headers (STATEMENT_FIELDS)', () => {
  it('maps Chinese and English statement columns; 交易时间 is the date alone, the time beside 交易日期', () => {
    const cn = matchStatementHeader(['序号', '交易日期', '交易时间', '摘要', '收入金额', '支出金额', '账户余额', '对方户名', '对方账户', '用途', '交易流水号', '凭证号', '币种']);
    expect(Object.fromEntries(cn.fields)).toEqual({
      date: 1, time: 2, summary: 3, credit: 4, debit: 5, balance: 6, counterpartyName: 7, counterpartyAccount: 8, remittance: 9, bankReference: 10, currency: 12,
    });
    expect(cn.columns[0]!.status).toBe('ignored');
    expect(cn.columns[11]!.status).toBe('duplicate');
    const alone = matchStatementHeader(['交易时间', '收(付)款人名称', '借方发生额', '贷方发生额', '借贷标志', '金额']);
    expect(Object.fromEntries(alone.fields)).toEqual({ date: 0, counterpartyName: 1, debit: 2, credit: 3, direction: 4, amount: 5 });
    const en = matchStatementHeader(['Date', 'Description', 'Credit', 'Debit', 'Balance', 'Reference', 'Counterparty']);
    expect(Object.fromEntries(en.fields)).toEqual({ date: 0, summary: 1, credit: 2, debit: 3, balance: 4, bankReference: 5, counterpartyName: 6 });
  });
});
