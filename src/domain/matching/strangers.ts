/**
 * Strangers: lines that are not a customer's (or supplier's) payment and must never be applied to
 * one — bank interest (利息/结息), tax refunds (退税), bank charges, government money, personal
 * transfers. `hard` strangers are final; a `personal` transfer is soft: it can still be a
 * customer's payment when memory knows the payer or the text names an open invoice whose amount
 * matches (the engine checks that), and is otherwise left for claiming (认领).
 */
import { looksPersonal, normalizeText } from './normalize';
import type { BankLine } from './types';

export type StrangerKind = 'interest' | 'tax_refund' | 'bank_charge' | 'government' | 'personal';

export interface StrangerVerdict {
  kind: StrangerKind;
  hard: boolean;
  zh: string;
  en: string;
}

const INTEREST = /利息|结息|存息|INTEREST|INT\.? ?PAYMENT|CREDIT INTEREST/;
const TAX = /退税|出口退|增值税.{0,4}退|留抵|TAX ?REFUND|VAT ?REFUND/;
const CHARGE = /手续费|工本费|年费|短信费|账户管理费|服务费扣收|BANK ?CHARGE|SERVICE ?CHARGE|ACCOUNT ?FEE/;
const GOVERNMENT_PAYER = /税务局|国库|财政局|财政厅|社会保险|社保中心|住房公积金|人力资源和社会保障/;
const BANK_PAYER = /银行.*(支行|分行|营业部)?$|^(BANK|.*\bBANK\b)/;
const PERSONAL_TEXT = /工资|报销|借款|还款|红包|生活费|个人|转账|私人|SALARY|LOAN|PERSONAL|GIFT/;

export function classifyStranger(line: Pick<BankLine, 'payerName' | 'remittance'>): StrangerVerdict | null {
  const text = line.remittance ? normalizeText(line.remittance).toUpperCase() : '';
  const payer = line.payerName ? normalizeText(line.payerName).toUpperCase() : '';
  if (INTEREST.test(text) && (payer === '' || BANK_PAYER.test(payer) || !/货款|发票|INV/.test(text))) {
    return { kind: 'interest', hard: true, zh: '银行利息/结息，不核销客户', en: 'bank interest, not a customer payment' };
  }
  if (TAX.test(text) || (GOVERNMENT_PAYER.test(payer) && /退|REFUND/.test(text))) {
    return { kind: 'tax_refund', hard: true, zh: '税款退还，不核销客户', en: 'tax refund, not a customer payment' };
  }
  if (GOVERNMENT_PAYER.test(payer)) {
    return { kind: 'government', hard: true, zh: '政府机关款项，不核销客户', en: 'government payment, not a customer payment' };
  }
  if (CHARGE.test(text) && (payer === '' || BANK_PAYER.test(payer))) {
    return { kind: 'bank_charge', hard: true, zh: '银行费用，不核销客户', en: 'bank charge, not a customer payment' };
  }
  if (payer !== '' && BANK_PAYER.test(payer) && !/货款|发票|INV/.test(text)) {
    return { kind: 'bank_charge', hard: true, zh: '银行自身款项，不核销客户', en: 'from the bank itself, not a customer payment' };
  }
  if (looksPersonal(line.payerName)) {
    const hint = PERSONAL_TEXT.test(text) || text === '';
    return {
      kind: 'personal',
      hard: false,
      zh: hint ? '个人转账，未识别为客户' : '付款人为个人，未识别为客户',
      en: hint ? 'personal transfer, not identified as a customer' : 'private person paying, not identified as a customer',
    };
  }
  return null;
}
