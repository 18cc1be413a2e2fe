/**
 * Message templates in Chinese and English with {{variables}}: customer, items table, totals,
 * days overdue, statement link. Email gets a subject, a plain-text and an HTML body; the group
 * robots (WeCom, DingTalk) get Markdown for the collection team's chat group.
 */
import type { TemplateKey } from '../domain/dunning/policy';

export type Locale = 'zh-CN' | 'en-US';

export interface MessageItem {
  invoiceNumber: string;
  seq: number;
  dueDate: string;
  currency: string;
  /** Decimal string, e.g. "1130.00". */
  amount: string;
  daysOverdue: number;
}

export interface MessageContext {
  locale: Locale;
  template: TemplateKey;
  customerName: string;
  customerCode: string;
  levelName: string;
  /** The sender's company (the entity), shown as the signature. */
  companyName: string;
  items: MessageItem[];
  totals: { currency: string; amount: string }[];
  statementUrl: string | null;
}

interface TemplateText {
  subject: string;
  intro: string;
  closing: string;
}

const ZH: Record<TemplateKey, TemplateText> = {
  reminder: {
    subject: '【付款提醒】{{customer}} 即将到期的应付款项',
    intro: '尊敬的 {{customer}}：\n\n您好！以下款项即将到期，合计 {{total}}。请您安排按时付款，如已付款请忽略本邮件。',
    closing: '感谢您一直以来的支持与合作！',
  },
  notice: {
    subject: '【逾期通知】{{customer}} 有 {{count}} 笔款项已逾期',
    intro: '尊敬的 {{customer}}：\n\n您好！截至今日，以下款项已逾期（最长 {{maxDays}} 天），合计 {{total}}。请尽快安排付款。',
    closing: '如对账单有疑问，请直接回复本邮件，我们将尽快与您核对。',
  },
  second_notice: {
    subject: '【二次催收】{{customer}} 逾期款项合计 {{total}}',
    intro: '尊敬的 {{customer}}：\n\n我们此前已就以下逾期款项与贵司联系，目前仍未收到付款（最长逾期 {{maxDays}} 天），合计 {{total}}。请于收到本函后尽快付款，或告知预计付款日期。',
    closing: '如有争议，请告知具体发票及原因，我们将暂停催收并协助处理。',
  },
  escalation: {
    subject: '【重要】{{customer}} 逾期 {{maxDays}} 天，信用额度已暂停',
    intro: '尊敬的 {{customer}}：\n\n以下款项已逾期 {{maxDays}} 天，合计 {{total}}。根据合同约定，贵司的信用额度已暂停，新订单将需预付款。我司财务经理将与您联系。',
    closing: '款项结清后信用额度将自动恢复。',
  },
  demand_letter: {
    subject: '【催款函】致 {{customer}}：请于七日内支付逾期款项 {{total}}',
    intro: '致 {{customer}}：\n\n根据双方签订的合同及已开具的发票，贵司尚欠我司以下款项，合计 {{total}}，最长已逾期 {{maxDays}} 天。现正式函告贵司，请于本函发出之日起七日内付清全部欠款。逾期未付，我司将依法采取进一步措施，由此产生的费用由贵司承担。',
    closing: '特此函告。',
  },
  legal: {
    subject: '【法务通知】{{customer}} 逾期款项已移交法务处理',
    intro: '致 {{customer}}：\n\n贵司以下款项（合计 {{total}}，最长逾期 {{maxDays}} 天）经多次催告仍未支付，我司已将本案移交法务部门处理。如需协商，请于三日内与我司联系。',
    closing: '特此通知。',
  },
};

const EN: Record<TemplateKey, TemplateText> = {
  reminder: {
    subject: 'Payment reminder: {{customer}}, invoices due soon',
    intro: 'Dear {{customer}},\n\nThe following invoices fall due shortly, {{total}} in total. Please arrange payment on time; if you have already paid, please ignore this message.',
    closing: 'Thank you for your business.',
  },
  notice: {
    subject: 'Overdue notice: {{customer}}, {{count}} item(s) past due',
    intro: 'Dear {{customer}},\n\nThe following items are past due (up to {{maxDays}} days), {{total}} in total. Please arrange payment as soon as possible.',
    closing: 'If anything on this statement looks wrong, reply to this message and we will check it with you.',
  },
  second_notice: {
    subject: 'Second notice: {{customer}}, {{total}} overdue',
    intro: 'Dear {{customer}},\n\nWe wrote to you about the items below and have not yet received payment (up to {{maxDays}} days overdue, {{total}} in total). Please pay promptly or tell us when you expect to pay.',
    closing: 'If you dispute an invoice, tell us which and why; we will pause reminders while we resolve it.',
  },
  escalation: {
    subject: 'Important: {{customer}}, {{maxDays}} days overdue, credit on hold',
    intro: 'Dear {{customer}},\n\nThe items below are {{maxDays}} days overdue, {{total}} in total. Under our agreement your credit line is on hold and new orders require prepayment. Our finance manager will contact you.',
    closing: 'The credit line is restored once the balance is settled.',
  },
  demand_letter: {
    subject: 'Formal demand: {{customer}}, pay {{total}} within seven days',
    intro: 'To {{customer}},\n\nUnder our contract and the invoices issued, you owe us the amounts below, {{total}} in total, up to {{maxDays}} days overdue. We formally demand payment in full within seven days of this letter; otherwise we will take further steps at your cost.',
    closing: 'Yours faithfully,',
  },
  legal: {
    subject: 'Legal notice: {{customer}}, overdue balance referred to legal',
    intro: 'To {{customer}},\n\nThe items below ({{total}} in total, up to {{maxDays}} days overdue) remain unpaid after repeated reminders and have been referred to our legal department. Contact us within three days to settle.',
    closing: 'Yours faithfully,',
  },
};

/** Replaces {{name}} with vars[name]; unknown names are left as they are. */
export function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (m, name: string) => vars[name] ?? m);
}

export function totalText(totals: MessageContext['totals']): string {
  return totals.map((t) => `${t.amount} ${t.currency}`).join(' + ') || '0';
}

function vars(ctx: MessageContext): Record<string, string> {
  return {
    customer: ctx.customerName,
    code: ctx.customerCode,
    total: totalText(ctx.totals),
    count: String(ctx.items.length),
    maxDays: String(Math.max(0, ...ctx.items.map((i) => i.daysOverdue))),
    level: ctx.levelName,
    company: ctx.companyName,
  };
}

function labels(locale: Locale) {
  return locale === 'zh-CN'
    ? { invoice: '发票号', due: '到期日', amount: '未付金额', days: '逾期天数', notYet: '未到期', total: '合计', statement: '对账单', before: (d: number) => `${-d} 天后到期` }
    : { invoice: 'Invoice', due: 'Due date', amount: 'Open amount', days: 'Days overdue', notYet: 'not yet due', total: 'Total', statement: 'Statement', before: (d: number) => `due in ${-d} days` };
}

function daysText(locale: Locale, d: number): string {
  const l = labels(locale);
  return d > 0 ? String(d) : d === 0 ? (locale === 'zh-CN' ? '今日到期' : 'due today') : l.before(d);
}

function itemLabel(i: MessageItem): string {
  return i.seq > 1 ? `${i.invoiceNumber} (${i.seq})` : i.invoiceNumber;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export function renderEmail(ctx: MessageContext): RenderedEmail {
  const t = (ctx.locale === 'zh-CN' ? ZH : EN)[ctx.template];
  const v = vars(ctx);
  const l = labels(ctx.locale);
  const subject = fill(t.subject, v);
  const intro = fill(t.intro, v);
  const closing = fill(t.closing, v);
  const rows = ctx.items.map((i) => [itemLabel(i), i.dueDate, `${i.amount} ${i.currency}`, daysText(ctx.locale, i.daysOverdue)]);
  const header = [l.invoice, l.due, l.amount, l.days];
  const text = [
    intro,
    '',
    header.join(' | '),
    ...rows.map((r) => r.join(' | ')),
    `${l.total}: ${v.total}`,
    ...(ctx.statementUrl ? ['', `${l.statement}: ${ctx.statementUrl}`] : []),
    '',
    closing,
    '',
    ctx.companyName,
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif">',
    ...intro.split('\n\n').map((p) => `<p>${escapeHtml(p).replaceAll('\n', '<br>')}</p>`),
    '<table border="1" cellpadding="6" cellspacing="0" style="border-collapse: collapse">',
    `<thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((r) => `<tr>${r.map((c, i) => `<td${i >= 2 ? ' align="right"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`),
    '</tbody>',
    `<tfoot><tr><th colspan="2">${escapeHtml(l.total)}</th><th align="right">${escapeHtml(v.total!)}</th><th></th></tr></tfoot>`,
    '</table>',
    ...(ctx.statementUrl ? [`<p><a href="${escapeHtml(ctx.statementUrl)}">${escapeHtml(l.statement)}</a></p>`] : []),
    `<p>${escapeHtml(closing)}</p><p>${escapeHtml(ctx.companyName)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

/** The Markdown one robot message carries about one customer (internal: for the collection team's group). */
export function renderRobotSection(ctx: MessageContext): string {
  const l = labels(ctx.locale);
  const v = vars(ctx);
  const head =
    ctx.locale === 'zh-CN'
      ? `### ${ctx.levelName}：${ctx.customerName}（${ctx.customerCode}）\n${ctx.items.length} 笔，合计 **${v.total}**，最长逾期 ${v.maxDays} 天`
      : `### ${ctx.levelName}: ${ctx.customerName} (${ctx.customerCode})\n${ctx.items.length} item(s), **${v.total}**, up to ${v.maxDays} days overdue`;
  const lines = ctx.items.map((i) => `> ${itemLabel(i)} · ${l.due} ${i.dueDate} · ${i.amount} ${i.currency} · ${daysText(ctx.locale, i.daysOverdue)}`);
  return [head, ...lines].join('\n');
}

export function renderRobotMessage(ctx: MessageContext): { title: string; markdown: string } {
  return { title: `${ctx.levelName} ${ctx.customerName}`, markdown: renderRobotSection(ctx) };
}

/** One digest message for several customers, sent when a webhook's rate budget is smaller than its queue. */
export function renderRobotDigest(sections: string[], locale: Locale): { title: string; markdown: string } {
  const title = locale === 'zh-CN' ? `催收汇总（${sections.length} 位客户）` : `Collections digest (${sections.length} customers)`;
  return { title, markdown: [`## ${title}`, ...sections].join('\n\n') };
}
