/** Small hand-made ledger shared by the matching tests. */
import type { BankLine, OpenItem, PartyProfile } from './types';

export const PARTIES: PartyProfile[] = [
  { id: 'HX', code: 'C1', name: '上海华信贸易有限公司', nameEn: 'Huaxin Trading (Shanghai) Co., Ltd.', shortName: '华信贸易', parentId: 'GRP', accounts: ['6222 0210 0111 2222 333'] },
  { id: 'HXB', code: 'C2', name: '北京华信贸易有限公司', nameEn: null, shortName: null, parentId: 'GRP', accounts: [] },
  { id: 'GRP', code: 'C0', name: '华信集团有限公司', nameEn: null, shortName: '华信集团', parentId: null, accounts: ['3100-1234-567890'] },
  { id: 'RF', code: 'C3', name: '杭州瑞丰科技股份有限公司', nameEn: null, shortName: null, parentId: null, accounts: ['9558 8001 0000 1111'] },
  { id: 'NW', code: 'C4', name: 'Northwind Components Ltd', nameEn: null, shortName: null, parentId: null, accounts: [] },
];

let n = 0;
export function item(partial: Partial<OpenItem> & { invoiceNumber: string; partyId: string; openMinor: bigint }): OpenItem {
  n++;
  return {
    installmentId: partial.installmentId ?? `I${partial.invoiceNumber}-${partial.seq ?? 1}`,
    invoiceId: `V${partial.invoiceNumber}`,
    seq: 1,
    contractNumber: null,
    orderRef: null,
    currency: 'CNY',
    issueDate: '2025-01-01',
    dueDate: `2025-02-${String(10 + (n % 18)).padStart(2, '0')}`,
    ...partial,
  };
}

export const ITEMS: OpenItem[] = [
  item({ invoiceNumber: 'INV25-000123', partyId: 'HX', openMinor: 1_000_000n, dueDate: '2025-02-01' }),
  item({ invoiceNumber: 'INV25-000124', partyId: 'HX', openMinor: 250_000n, dueDate: '2025-02-05' }),
  item({ invoiceNumber: 'INV25-000125', partyId: 'HX', openMinor: 333_300n, dueDate: '2025-03-01' }),
  item({ invoiceNumber: 'INV25-000200', partyId: 'HXB', openMinor: 480_000n, dueDate: '2025-02-20' }),
  item({ invoiceNumber: 'INV24-000123', partyId: 'RF', openMinor: 777_700n, dueDate: '2025-01-15', contractNumber: 'HT-2025-0007' }),
  item({ invoiceNumber: 'INV25-000300', partyId: 'RF', openMinor: 120_000n, dueDate: '2025-04-01', contractNumber: 'HT-2025-0007' }),
  item({ invoiceNumber: 'INV25-000400', partyId: 'NW', openMinor: 500_000n, currency: 'USD', dueDate: '2025-03-01' }),
];

let ln = 0;
export function line(partial: Partial<BankLine> & { amountMinor: bigint }): BankLine {
  ln++;
  return {
    id: partial.id ?? `L${ln}`,
    side: 'AR',
    currency: 'CNY',
    date: '2025-06-01',
    payerName: null,
    payerAccount: null,
    remittance: null,
    bankReference: `REF${ln}`,
    ...partial,
  };
}
