import { createContext, useContext } from 'react';

/**
 * UI strings in both languages. zh-CN is the default; every key must exist in both dictionaries
 * (the `en` object is typed against the keys of `zh`, so a missing or extra key fails typecheck).
 * Placeholders are written {name} and filled by t(key, { name }).
 */

export type Locale = 'zh-CN' | 'en-US';
export const LOCALES: readonly Locale[] = ['zh-CN', 'en-US'];
export const LOCALE_STORAGE_KEY = 'shoufu.locale';
export const DEFAULT_LOCALE: Locale = 'zh-CN';

const zh = {
  'app.name': '收付',
  'app.subtitle': '应收应付管理平台',

  'nav.home': '首页',
  'nav.customers': '客户',
  'nav.suppliers': '供应商',
  'nav.contracts': '合同',
  'nav.invoices': '发票',
  'nav.bills': '应付单',
  'nav.receipts': '收款单',
  'nav.payments': '付款单',
  'nav.audit': '审计日志',

  'header.logout': '退出登录',
  'header.switchTo': 'English',
  'header.switchToTitle': '切换语言',
  'header.apiDocs': 'API 文档',
  'header.menu': '菜单',

  'login.title': '登录',
  'login.welcome': '欢迎使用收付',
  'login.username': '用户名',
  'login.password': '密码',
  'login.submit': '登录',
  'login.usernameRequired': '请输入用户名',
  'login.passwordRequired': '请输入密码',
  'login.failed': '登录失败',

  'common.search': '搜索',
  'common.searchPlaceholder': '编码 / 名称',
  'common.docSearchPlaceholder': '单号 / 往来单位',
  'common.reset': '重置',
  'common.refresh': '刷新',
  'common.loading': '加载中…',
  'common.back': '返回',
  'common.all': '全部',
  'common.total': '共 {total} 条',
  'common.notFound': '未找到该记录',
  'common.pageNotFound': '页面不存在',
  'common.backHome': '返回首页',
  'common.yes': '是',
  'common.no': '否',
  'common.confirm': '确定',
  'common.cancel': '取消',
  'common.error': '出错了',
  'common.retry': '重试',
  'common.networkError': '网络错误，请稍后重试',
  'common.sessionExpired': '登录已过期，请重新登录',
  'common.currency': '币种',
  'common.asOf': '截至日期',
  'common.none': '无',
  'common.view': '查看',
  'common.actions': '操作',

  'field.code': '编码',
  'field.name': '名称',
  'field.region': '区域',
  'field.industry': '行业',
  'field.owner': '负责人',
  'field.openBalance': '未结余额',
  'field.overdue': '逾期金额',
  'field.unapplied': '未核销金额',
  'field.uscc': '统一社会信用代码',
  'field.termsDays': '账期（天）',
  'field.creditLimit': '信用额度',
  'field.province': '省份',
  'field.parent': '上级单位',
  'field.externalIds': '外部编号',
  'field.bankAccounts': '银行账户',
  'field.bankName': '开户行',
  'field.accountNo': '账号',
  'field.accountName': '户名',
  'field.number': '单号',
  'field.party': '往来单位',
  'field.customer': '客户',
  'field.supplier': '供应商',
  'field.issueDate': '开票日期',
  'field.dueDate': '到期日',
  'field.total': '价税合计',
  'field.open': '未结金额',
  'field.status': '状态',
  'field.daysOverdue': '逾期天数',
  'field.kind': '类型',
  'field.receiptDate': '收款日期',
  'field.paymentDate': '付款日期',
  'field.amount': '金额',
  'field.allocated': '已核销',
  'field.bankReference': '银行流水号',
  'field.counterpartyName': '对方户名',
  'field.remittance': '附言',
  'field.date': '日期',
  'field.type': '类型',
  'field.debit': '借方',
  'field.credit': '贷方',
  'field.balance': '余额',
  'field.seq': '期次',
  'field.lineNo': '行号',
  'field.description': '描述',
  'field.quantity': '数量',
  'field.unitPrice': '单价',
  'field.taxRate': '税率',
  'field.tax': '税额',
  'field.subtotal': '不含税金额',
  'field.effectiveDate': '核销日期',
  'field.method': '方式',
  'field.source': '来源',
  'field.invoice': '发票',
  'field.installment': '分期',
  'field.title': '合同名称',
  'field.side': '方向',
  'field.currentVersion': '当前版本',
  'field.signedOn': '签订日期',
  'field.version': '版本',
  'field.validFrom': '生效日期',
  'field.note': '备注',
  'field.schedule': '付款计划',
  'field.auditSeq': '序号',
  'field.at': '时间',
  'field.actor': '操作人',
  'field.action': '动作',
  'field.objectType': '对象类型',
  'field.objectId': '对象 ID',
  'field.before': '变更前',
  'field.after': '变更后',
  'field.einvoiceNumber': '电子发票号码',
  'field.orderRef': '订单号',
  'field.contract': '合同',
  'field.originalInvoice': '原发票',
  'field.milestone': '里程碑',
  'field.reason': '原因',

  'status.open': '未付',
  'status.partially_paid': '部分付款',
  'status.paid': '已付清',
  'status.overdue': '逾期',
  'status.disputed': '争议',
  'status.written_off': '已核销坏账',

  'kind.invoice': '发票',
  'kind.credit_note': '红字发票',
  'kind.bill': '应付单',
  'kind.bill_credit_note': '红字应付单',
  'kind.receipt': '收款单',
  'kind.payment': '付款单',
  'kind.adjustment': '调整',
  'kind.discount': '现金折扣',
  'kind.bank_fee': '银行手续费',
  'kind.small_difference': '尾差核销',
  'kind.write_off': '坏账核销',

  'method.manual': '手工',
  'method.auto': '自动',
  'method.import': '导入',
  'method.demo': '演示',

  'side.AR': '应收',
  'side.AP': '应付',

  'dash.receivable': '应收余额',
  'dash.overdue': '逾期金额',
  'dash.unapplied': '未核销收款',
  'dash.customerCount': '客户数',
  'dash.overdueCustomerCount': '逾期客户数',
  'dash.aging': '账龄分析',
  'dash.bucket': '账龄区间',
  'dash.agingDetail': '账龄明细',
  'dash.baseCurrency': '本位币：{currency}',

  'party.invoicesTab': '发票',
  'party.billsTab': '应付单',
  'party.receiptsTab': '收款单',
  'party.paymentsTab': '付款单',
  'party.ledgerTab': '往来明细',
  'party.regionPlaceholder': '区域',

  'invoices.statusPlaceholder': '状态',
  'invoice.lines': '发票明细',
  'invoice.installments': '分期计划',
  'invoice.allocations': '核销记录',

  'receipt.allocations': '核销记录',
  'receipt.reverse': '冲销',
  'receipt.reverseConfirm': '确认冲销这笔核销？',
  'receipt.reversed': '已冲销',
  'receipt.reversal': '冲销',
  'receipt.reverseDone': '已冲销',

  'alloc.title': '手工核销',
  'alloc.remaining': '剩余未核销',
  'alloc.selected': '本次核销',
  'alloc.submit': '提交核销',
  'alloc.noCandidates': '没有可核销的未结分期',
  'alloc.fullyApplied': '该收款已全部核销',
  'alloc.invalidAmount': '金额格式不正确',
  'alloc.exceedsOpen': '超过未结金额',
  'alloc.exceedsUnapplied': '超过剩余未核销金额',
  'alloc.nothingSelected': '请勾选要核销的分期',
  'alloc.done': '核销成功',
  'alloc.otherCurrency': '不同币种',
  'alloc.select': '选择',
  'alloc.allocateAmount': '核销金额',

  'contract.versions': '版本历史',
  'contract.percent': '比例 {percent}%',
  'contract.dueRule': '到期规则',
  'contract.rule.days_after_invoice': '开票后 {days} 天',
  'contract.rule.month_end_plus': '月结 {days} 天',
  'contract.rule.fixed_date': '固定日期 {date}',
  'contract.rule.months_after_invoice': '开票后 {months} 个月',
  'field.invoiceCount': '发票数',
  'field.contactEmail': '联系邮箱',
  'field.shortName': '简称',
  'field.balancesByCurrency': '分币种余额',
  'field.creditNotes': '红字发票',
  'receipts.unappliedOnly': '仅看未核销',
  'invoices.openOnly': '仅看未结清',
  'audit.objectTypePlaceholder': '对象类型，如 invoice',
  'audit.objectIdPlaceholder': '对象 ID',
} as const;

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  'app.name': 'Shoufu',
  'app.subtitle': 'Receivables & Payables',

  'nav.home': 'Home',
  'nav.customers': 'Customers',
  'nav.suppliers': 'Suppliers',
  'nav.contracts': 'Contracts',
  'nav.invoices': 'Invoices',
  'nav.bills': 'Bills',
  'nav.receipts': 'Receipts',
  'nav.payments': 'Payments',
  'nav.audit': 'Audit log',

  'header.logout': 'Log out',
  'header.switchTo': '中文',
  'header.switchToTitle': 'Switch language',
  'header.apiDocs': 'API docs',
  'header.menu': 'Menu',

  'login.title': 'Sign in',
  'login.welcome': 'Welcome to Shoufu',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.usernameRequired': 'Please enter your username',
  'login.passwordRequired': 'Please enter your password',
  'login.failed': 'Sign-in failed',

  'common.search': 'Search',
  'common.searchPlaceholder': 'Code / name',
  'common.docSearchPlaceholder': 'Number / counterparty',
  'common.reset': 'Reset',
  'common.refresh': 'Refresh',
  'common.loading': 'Loading…',
  'common.back': 'Back',
  'common.all': 'All',
  'common.total': 'Total {total}',
  'common.notFound': 'Record not found',
  'common.pageNotFound': 'Page not found',
  'common.backHome': 'Back to home',
  'common.yes': 'Yes',
  'common.no': 'No',
  'common.confirm': 'OK',
  'common.cancel': 'Cancel',
  'common.error': 'Something went wrong',
  'common.retry': 'Retry',
  'common.networkError': 'Network error, please try again',
  'common.sessionExpired': 'Your session has expired, please sign in again',
  'common.currency': 'Currency',
  'common.asOf': 'As of',
  'common.none': 'None',
  'common.view': 'View',
  'common.actions': 'Actions',

  'field.code': 'Code',
  'field.name': 'Name',
  'field.region': 'Region',
  'field.industry': 'Industry',
  'field.owner': 'Owner',
  'field.openBalance': 'Open balance',
  'field.overdue': 'Overdue',
  'field.unapplied': 'Unapplied',
  'field.uscc': 'Unified social credit code',
  'field.termsDays': 'Payment terms (days)',
  'field.creditLimit': 'Credit limit',
  'field.province': 'Province',
  'field.parent': 'Parent company',
  'field.externalIds': 'External IDs',
  'field.bankAccounts': 'Bank accounts',
  'field.bankName': 'Bank',
  'field.accountNo': 'Account no.',
  'field.accountName': 'Account name',
  'field.number': 'Number',
  'field.party': 'Counterparty',
  'field.customer': 'Customer',
  'field.supplier': 'Supplier',
  'field.issueDate': 'Issue date',
  'field.dueDate': 'Due date',
  'field.total': 'Total',
  'field.open': 'Open',
  'field.status': 'Status',
  'field.daysOverdue': 'Days overdue',
  'field.kind': 'Kind',
  'field.receiptDate': 'Receipt date',
  'field.paymentDate': 'Payment date',
  'field.amount': 'Amount',
  'field.allocated': 'Allocated',
  'field.bankReference': 'Bank reference',
  'field.counterpartyName': 'Counterparty name',
  'field.remittance': 'Remittance text',
  'field.date': 'Date',
  'field.type': 'Type',
  'field.debit': 'Debit',
  'field.credit': 'Credit',
  'field.balance': 'Balance',
  'field.seq': 'Seq',
  'field.lineNo': 'Line',
  'field.description': 'Description',
  'field.quantity': 'Quantity',
  'field.unitPrice': 'Unit price',
  'field.taxRate': 'Tax rate',
  'field.tax': 'Tax',
  'field.subtotal': 'Subtotal',
  'field.effectiveDate': 'Effective date',
  'field.method': 'Method',
  'field.source': 'Source',
  'field.invoice': 'Invoice',
  'field.installment': 'Installment',
  'field.title': 'Title',
  'field.side': 'Side',
  'field.currentVersion': 'Current version',
  'field.signedOn': 'Signed on',
  'field.version': 'Version',
  'field.validFrom': 'Valid from',
  'field.note': 'Note',
  'field.schedule': 'Payment schedule',
  'field.auditSeq': 'Seq',
  'field.at': 'Time',
  'field.actor': 'Actor',
  'field.action': 'Action',
  'field.objectType': 'Object type',
  'field.objectId': 'Object ID',
  'field.before': 'Before',
  'field.after': 'After',
  'field.einvoiceNumber': 'E-invoice number',
  'field.orderRef': 'Order ref',
  'field.contract': 'Contract',
  'field.originalInvoice': 'Original invoice',
  'field.milestone': 'Milestone',
  'field.reason': 'Reason',

  'status.open': 'Open',
  'status.partially_paid': 'Partially paid',
  'status.paid': 'Paid',
  'status.overdue': 'Overdue',
  'status.disputed': 'Disputed',
  'status.written_off': 'Written off',

  'kind.invoice': 'Invoice',
  'kind.credit_note': 'Credit note',
  'kind.bill': 'Bill',
  'kind.bill_credit_note': 'Bill credit note',
  'kind.receipt': 'Receipt',
  'kind.payment': 'Payment',
  'kind.adjustment': 'Adjustment',
  'kind.discount': 'Discount',
  'kind.bank_fee': 'Bank fee',
  'kind.small_difference': 'Small difference',
  'kind.write_off': 'Write-off',

  'method.manual': 'Manual',
  'method.auto': 'Automatic',
  'method.import': 'Import',
  'method.demo': 'Demo',

  'side.AR': 'Receivable',
  'side.AP': 'Payable',

  'dash.receivable': 'Receivables',
  'dash.overdue': 'Overdue',
  'dash.unapplied': 'Unapplied receipts',
  'dash.customerCount': 'Customers',
  'dash.overdueCustomerCount': 'Customers overdue',
  'dash.aging': 'Aging',
  'dash.bucket': 'Bucket',
  'dash.agingDetail': 'Aging detail',
  'dash.baseCurrency': 'Base currency: {currency}',

  'party.invoicesTab': 'Invoices',
  'party.billsTab': 'Bills',
  'party.receiptsTab': 'Receipts',
  'party.paymentsTab': 'Payments',
  'party.ledgerTab': 'History',
  'party.regionPlaceholder': 'Region',

  'invoices.statusPlaceholder': 'Status',
  'invoice.lines': 'Lines',
  'invoice.installments': 'Installments',
  'invoice.allocations': 'Allocations',

  'receipt.allocations': 'Allocations',
  'receipt.reverse': 'Reverse',
  'receipt.reverseConfirm': 'Reverse this allocation?',
  'receipt.reversed': 'Reversed',
  'receipt.reversal': 'Reversal',
  'receipt.reverseDone': 'Allocation reversed',

  'alloc.title': 'Manual allocation',
  'alloc.remaining': 'Remaining unapplied',
  'alloc.selected': 'Allocating now',
  'alloc.submit': 'Allocate',
  'alloc.noCandidates': 'No open installments to allocate',
  'alloc.fullyApplied': 'This receipt is fully applied',
  'alloc.invalidAmount': 'Invalid amount',
  'alloc.exceedsOpen': 'Exceeds the open amount',
  'alloc.exceedsUnapplied': 'Exceeds the unapplied amount',
  'alloc.nothingSelected': 'Select at least one installment',
  'alloc.done': 'Allocated',
  'alloc.otherCurrency': 'Other currency',
  'alloc.select': 'Select',
  'alloc.allocateAmount': 'Amount to allocate',

  'contract.versions': 'Versions',
  'contract.percent': '{percent}%',
  'contract.dueRule': 'Due rule',
  'contract.rule.days_after_invoice': '{days} days after invoice',
  'contract.rule.month_end_plus': 'End of month + {days} days',
  'contract.rule.fixed_date': 'On {date}',
  'contract.rule.months_after_invoice': '{months} months after invoice',
  'field.invoiceCount': 'Invoices',
  'field.contactEmail': 'Contact email',
  'field.shortName': 'Short name',
  'field.balancesByCurrency': 'Balances by currency',
  'field.creditNotes': 'Credit notes',
  'receipts.unappliedOnly': 'Unapplied only',
  'invoices.openOnly': 'Open only',
  'audit.objectTypePlaceholder': 'Object type, e.g. invoice',
  'audit.objectIdPlaceholder': 'Object ID',
};

const DICTIONARIES: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zh, 'en-US': en };

export type Vars = Record<string, string | number>;

export function translate(locale: Locale, key: MessageKey, vars?: Vars): string {
  const text = DICTIONARIES[locale][key] ?? DICTIONARIES[DEFAULT_LOCALE][key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = vars[name];
    return v === undefined ? whole : String(v);
  });
}

/** Translates a key built at runtime (e.g. `status.${status}`), falling back to the raw value. */
export function translateDynamic(locale: Locale, key: string, fallback: string): string {
  const dict = DICTIONARIES[locale] as Record<string, string>;
  return dict[key] ?? fallback;
}

export function isLocale(v: unknown): v is Locale {
  return v === 'zh-CN' || v === 'en-US';
}

export function readStoredLocale(): Locale | null {
  try {
    const v = window.localStorage.getItem(LOCALE_STORAGE_KEY);
    return isLocale(v) ? v : null;
  } catch {
    return null;
  }
}

export function storeLocale(locale: Locale): void {
  try {
    window.localStorage.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    // storage may be unavailable (private mode); the choice still applies to this tab
  }
}

export interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: (key: MessageKey, vars?: Vars) => string;
  /** For enum-like values coming from the server: `td('status', 'paid')`. */
  td: (prefix: string, value: string | null | undefined) => string;
}

export const I18nContext = createContext<I18n>({
  locale: DEFAULT_LOCALE,
  setLocale: () => {},
  t: (key, vars) => translate(DEFAULT_LOCALE, key, vars),
  td: (prefix, value) => (value ? translateDynamic(DEFAULT_LOCALE, `${prefix}.${value}`, value) : ''),
});

export function useI18n(): I18n {
  return useContext(I18nContext);
}
