import { Table, type TableColumnsType, Typography } from 'antd';
import { useMemo } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { type InvoiceListItem, normalizePage, type Page, type ReceiptListItem, type Side } from '../api';
import { fmtDate, orDash } from '../format';
import { type ListState, sortOrderOf, tableChangeHandler, useApi } from '../hooks';
import { useI18n } from '../i18n';
import { KindTag, Money, StatusTag } from './common';

export function invoiceBase(side: Side): string {
  return side === 'AR' ? '/invoices' : '/bills';
}

export function receiptBase(side: Side): string {
  return side === 'AR' ? '/receipts' : '/payments';
}

export function partyPath(side: Side, partyId: string): string {
  return `${side === 'AR' ? '/customers' : '/suppliers'}/${partyId}`;
}

/** Invoices (AR) or bills (AP), fetched with the given list state and optional party filter. */
export function InvoiceTable({
  side,
  list,
  partyId,
}: {
  side: Side;
  list: ListState;
  partyId?: string;
}) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const base = invoiceBase(side);
  const path = side === 'AR' ? '/api/invoices' : '/api/bills';
  const query = { ...list.query, ...(partyId ? { partyId } : {}) };
  const { data, loading } = useApi<Page<InvoiceListItem>>(path, query);
  const page = normalizePage(data);

  const columns = useMemo<TableColumnsType<InvoiceListItem>>(() => {
    const cols: TableColumnsType<InvoiceListItem> = [
      {
        key: 'number',
        dataIndex: 'number',
        title: t('field.number'),
        sorter: true,
        sortOrder: sortOrderOf(list, 'number'),
        render: (v: string, r) => (
          <>
            <Link to={`${base}/${r.id}`} onClick={(e) => e.stopPropagation()} data-testid={`invoice-link-${v}`}>
              {v}
            </Link>{' '}
            <KindTag kind={r.kind} side={side} />
          </>
        ),
      },
    ];
    if (!partyId) {
      cols.push({
        key: 'partyName',
        dataIndex: 'partyName',
        title: side === 'AR' ? t('field.customer') : t('field.supplier'),
        render: (v: string, r) => (
          <Link to={partyPath(side, r.partyId)} onClick={(e) => e.stopPropagation()}>
            {v || r.partyCode}
          </Link>
        ),
      });
    }
    cols.push(
      {
        key: 'issueDate',
        dataIndex: 'issueDate',
        title: t('field.issueDate'),
        sorter: true,
        sortOrder: sortOrderOf(list, 'issueDate'),
        render: fmtDate,
      },
      {
        key: 'dueDate',
        dataIndex: 'dueDate',
        title: t('field.dueDate'),
        sorter: true,
        sortOrder: sortOrderOf(list, 'dueDate'),
        render: fmtDate,
      },
      {
        key: 'total',
        dataIndex: 'total',
        title: t('field.total'),
        align: 'right',
        sorter: true,
        sortOrder: sortOrderOf(list, 'total'),
        render: (v: string, r) => <Money value={v} currency={r.currency} />,
      },
      {
        key: 'open',
        dataIndex: 'open',
        title: t('field.open'),
        align: 'right',
        sorter: true,
        sortOrder: sortOrderOf(list, 'open'),
        render: (v: string, r) => <Money value={v} currency={r.currency} strong />,
      },
      {
        key: 'status',
        dataIndex: 'status',
        title: t('field.status'),
        render: (v: string) => <StatusTag status={v} />,
      },
      {
        key: 'daysOverdue',
        dataIndex: 'daysOverdue',
        title: t('field.daysOverdue'),
        align: 'right',
        sorter: true,
        sortOrder: sortOrderOf(list, 'daysOverdue'),
        render: (v: number | null) =>
          v && v > 0 ? <Typography.Text type="danger">{v}</Typography.Text> : orDash(v === 0 ? null : v),
      },
    );
    return cols;
  }, [t, list, base, side, partyId]);

  return (
    <Table<InvoiceListItem>
      className="clickable-rows"
      size="middle"
      rowKey="id"
      loading={loading}
      columns={columns}
      dataSource={page.items}
      scroll={{ x: 'max-content' }}
      onChange={tableChangeHandler<InvoiceListItem>(list)}
      onRow={(r) => ({ onClick: () => navigate(`${base}/${r.id}`) })}
      pagination={{
        current: list.page,
        pageSize: list.pageSize,
        total: page.total,
        showSizeChanger: true,
        showTotal: (total) => t('common.total', { total }),
      }}
    />
  );
}

/** Receipts (AR) or payments (AP). */
export function ReceiptTable({ side, list, partyId }: { side: Side; list: ListState; partyId?: string }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const base = receiptBase(side);
  const path = side === 'AR' ? '/api/receipts' : '/api/payments';
  const query = { ...list.query, ...(partyId ? { partyId } : {}) };
  const { data, loading } = useApi<Page<ReceiptListItem>>(path, query);
  const page = normalizePage(data);

  const columns = useMemo<TableColumnsType<ReceiptListItem>>(() => {
    const cols: TableColumnsType<ReceiptListItem> = [
      {
        key: 'number',
        dataIndex: 'number',
        title: t('field.number'),
        sorter: true,
        sortOrder: sortOrderOf(list, 'number'),
        render: (v: string, r) => (
          <Link to={`${base}/${r.id}`} onClick={(e) => e.stopPropagation()} data-testid={`receipt-link-${v}`}>
            {v}
          </Link>
        ),
      },
    ];
    if (!partyId) {
      cols.push({
        key: 'partyName',
        dataIndex: 'partyName',
        title: side === 'AR' ? t('field.customer') : t('field.supplier'),
        render: (v: string | null, r) =>
          r.partyId ? (
            <Link to={partyPath(side, r.partyId)} onClick={(e) => e.stopPropagation()}>
              {v || r.partyId}
            </Link>
          ) : (
            '—'
          ),
      });
    }
    cols.push(
      {
        key: 'receiptDate',
        dataIndex: 'receiptDate',
        title: side === 'AR' ? t('field.receiptDate') : t('field.paymentDate'),
        sorter: true,
        sortOrder: sortOrderOf(list, 'receiptDate'),
        render: fmtDate,
      },
      {
        key: 'amount',
        dataIndex: 'amount',
        title: t('field.amount'),
        align: 'right',
        sorter: true,
        sortOrder: sortOrderOf(list, 'amount'),
        render: (v: string, r) => <Money value={v} currency={r.currency} />,
      },
      {
        key: 'allocated',
        dataIndex: 'allocated',
        title: t('field.allocated'),
        align: 'right',
        render: (v: string, r) => <Money value={v} currency={r.currency} />,
      },
      {
        key: 'unapplied',
        dataIndex: 'unapplied',
        title: t('field.unapplied'),
        align: 'right',
        sorter: true,
        sortOrder: sortOrderOf(list, 'unapplied'),
        render: (v: string, r) => <Money value={v} currency={r.currency} strong />,
      },
      { key: 'bankReference', dataIndex: 'bankReference', title: t('field.bankReference'), render: orDash },
      { key: 'counterpartyName', dataIndex: 'counterpartyName', title: t('field.counterpartyName'), render: orDash },
    );
    return cols;
  }, [t, list, base, side, partyId]);

  return (
    <Table<ReceiptListItem>
      className="clickable-rows"
      size="middle"
      rowKey="id"
      loading={loading}
      columns={columns}
      dataSource={page.items}
      scroll={{ x: 'max-content' }}
      onChange={tableChangeHandler<ReceiptListItem>(list)}
      onRow={(r) => ({ onClick: () => navigate(`${base}/${r.id}`) })}
      pagination={{
        current: list.page,
        pageSize: list.pageSize,
        total: page.total,
        showSizeChanger: true,
        showTotal: (total) => t('common.total', { total }),
      }}
    />
  );
}
