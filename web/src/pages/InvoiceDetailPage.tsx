import { ReloadOutlined } from '@ant-design/icons';
import { Button, Card, Descriptions, type DescriptionsProps, Flex, Table, Tag, Typography } from 'antd';
import { Link, useParams } from 'react-router-dom';
import type { Allocation, Installment, InvoiceDetail, InvoiceLine, Side } from '../api';
import { ErrorResult, KindTag, Loading, Money, PageTitle, StatusTag } from '../components/common';
import { invoiceBase, partyPath, receiptBase } from '../components/DocTables';
import { fmtDate, orDash } from '../format';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { signOf } from '../money';

/** "1.000000" → "1", "2.50" → "2.5" (display only, no arithmetic). */
export function trimDecimal(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === '') return '—';
  const s = String(v);
  if (!/^-?\d+\.\d+$/.test(s)) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/** A tax rate given as a fraction ("0.1300") shown as a percentage ("13%"), by moving the point. */
export function ratePercent(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === '') return '—';
  const m = /^(\d+)(?:\.(\d+))?$/.exec(String(v));
  if (!m) return String(v);
  const whole = m[1] ?? '0';
  const frac = m[2] ?? '';
  if (whole !== '0') return `${trimDecimal(String(v))}%`; // already a percentage
  const digits = `${frac}00`;
  const pct = `${Number.parseInt(digits.slice(0, 2), 10)}${digits.length > 2 ? `.${digits.slice(2)}` : ''}`;
  return `${trimDecimal(pct)}%`;
}

export default function InvoiceDetailPage({ side }: { side: Side }) {
  const { t, td } = useI18n();
  const { id = '' } = useParams();
  const { data: inv, loading, error, reload } = useApi<InvoiceDetail>(`/api/invoices/${encodeURIComponent(id)}`);

  if (error && !inv) return <ErrorResult error={error} onRetry={reload} />;
  if (!inv) return loading ? <Loading /> : null;

  const docSide: Side = inv.side ?? side;
  const installments = Array.isArray(inv.installments) ? inv.installments : [];
  const lines = Array.isArray(inv.lines) ? inv.lines : [];
  const allocations = Array.isArray(inv.allocations) ? inv.allocations : [];
  const seqOf = (a: Allocation) =>
    a.installmentSeq ?? installments.find((i) => i.id === a.installmentId)?.seq ?? null;

  const items: DescriptionsProps['items'] = [
    { key: 'number', label: t('field.number'), children: inv.number },
    {
      key: 'party',
      label: docSide === 'AR' ? t('field.customer') : t('field.supplier'),
      children: (
        <Link to={partyPath(docSide, inv.partyId)}>
          {inv.partyName} {inv.partyCode && <Typography.Text type="secondary">({inv.partyCode})</Typography.Text>}
        </Link>
      ),
    },
    { key: 'status', label: t('field.status'), children: <StatusTag status={inv.status} /> },
    { key: 'issueDate', label: t('field.issueDate'), children: fmtDate(inv.issueDate) },
    { key: 'dueDate', label: t('field.dueDate'), children: fmtDate(inv.dueDate) },
    { key: 'currency', label: t('common.currency'), children: inv.currency },
  ];
  if (inv.subtotal !== undefined) {
    items.push({ key: 'subtotal', label: t('field.subtotal'), children: <Money value={inv.subtotal} currency={inv.currency} /> });
  }
  if (inv.tax !== undefined) {
    items.push({ key: 'tax', label: t('field.tax'), children: <Money value={inv.tax} currency={inv.currency} /> });
  }
  items.push(
    { key: 'total', label: t('field.total'), children: <Money value={inv.total} currency={inv.currency} testId="invoice-total" /> },
    {
      key: 'open',
      label: t('field.open'),
      children: <Money value={inv.open} currency={inv.currency} strong testId="invoice-open" />,
    },
    {
      key: 'daysOverdue',
      label: t('field.daysOverdue'),
      children: inv.daysOverdue && inv.daysOverdue > 0 ? <Typography.Text type="danger">{inv.daysOverdue}</Typography.Text> : '—',
    },
  );
  if (inv.einvoiceNumber) items.push({ key: 'einv', label: t('field.einvoiceNumber'), children: inv.einvoiceNumber });
  if (inv.orderRef) items.push({ key: 'order', label: t('field.orderRef'), children: inv.orderRef });
  if (inv.contractId) {
    items.push({
      key: 'contract',
      label: t('field.contract'),
      children: <Link to={`/contracts/${inv.contractId}`}>{inv.contractNumber || inv.contractId}</Link>,
    });
  }
  if (inv.originalInvoiceId) {
    items.push({
      key: 'orig',
      label: t('field.originalInvoice'),
      children: (
        <Link to={`${invoiceBase(docSide)}/${inv.originalInvoiceId}`}>{inv.originalInvoiceNumber || t('common.view')}</Link>
      ),
    });
  }
  const creditNotes = Array.isArray(inv.creditNotes) ? inv.creditNotes : [];
  if (creditNotes.length > 0) {
    items.push({
      key: 'creditNotes',
      label: t('field.creditNotes'),
      span: 'filled',
      children: (
        <Flex gap={8} wrap>
          {creditNotes.map((n) => (
            <span key={n.id}>
              <Link to={`${invoiceBase(docSide)}/${n.id}`}>{n.number}</Link> <Money value={n.total} currency={inv.currency} /> (
              {fmtDate(n.issueDate)})
            </span>
          ))}
        </Flex>
      ),
    });
  }
  if (inv.description) items.push({ key: 'desc', label: t('field.description'), children: inv.description, span: 'filled' });

  const sourceOf = (a: Allocation) => {
    if (a.sourceKind === 'adjustment' || a.adjustmentKind) {
      return (
        <>
          <Tag>{td('kind', a.adjustmentKind ?? 'adjustment')}</Tag>
          {a.reason && <Typography.Text type="secondary">{a.reason}</Typography.Text>}
        </>
      );
    }
    if (a.sourceKind === 'credit_note') {
      return (
        <>
          <Tag color="red">{docSide === 'AP' ? t('kind.bill_credit_note') : t('kind.credit_note')}</Tag>
          {a.sourceId ? <Link to={`${invoiceBase(docSide)}/${a.sourceId}`}>{a.sourceNumber || a.sourceId}</Link> : null}
        </>
      );
    }
    const receiptId = a.sourceId ?? a.receiptId;
    const receiptNumber = a.sourceNumber ?? a.receiptNumber;
    if (receiptId) {
      return (
        <>
          <Tag color="green">{t(docSide === 'AR' ? 'kind.receipt' : 'kind.payment')}</Tag>
          <Link to={`${receiptBase(docSide)}/${receiptId}`}>{receiptNumber || receiptId}</Link>
        </>
      );
    }
    return orDash(receiptNumber);
  };

  return (
    <>
      <PageTitle
        back
        title={inv.number}
        sub={
          <>
            <KindTag kind={inv.kind} side={docSide} />
            <StatusTag status={inv.status} />
          </>
        }
        extra={<Button icon={<ReloadOutlined />} onClick={reload} aria-label={t('common.refresh')} title={t('common.refresh')} />}
      />
      <Card style={{ marginBottom: 16 }}>
        <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} items={items} />
      </Card>

      <Card title={t('invoice.lines')} style={{ marginBottom: 16 }}>
        <Table<InvoiceLine>
          size="small"
          rowKey={(l) => l.id ?? String(l.lineNo ?? l.description)}
          pagination={false}
          dataSource={lines}
          scroll={{ x: 'max-content' }}
          columns={[
            { key: 'lineNo', title: t('field.lineNo'), render: (_, l, i) => l.lineNo ?? i + 1 },
            { key: 'description', dataIndex: 'description', title: t('field.description') },
            { key: 'quantity', dataIndex: 'quantity', title: t('field.quantity'), align: 'right', render: trimDecimal },
            {
              key: 'unitPrice',
              dataIndex: 'unitPrice',
              title: t('field.unitPrice'),
              align: 'right',
              render: (v: string | undefined) => <Money value={v} currency={inv.currency} />,
            },
            { key: 'taxRate', dataIndex: 'taxRate', title: t('field.taxRate'), align: 'right', render: ratePercent },
            {
              key: 'amount',
              dataIndex: 'amount',
              title: t('field.amount'),
              align: 'right',
              render: (v: string | undefined) => <Money value={v} currency={inv.currency} />,
            },
            {
              key: 'tax',
              dataIndex: 'tax',
              title: t('field.tax'),
              align: 'right',
              render: (v: string | undefined) => <Money value={v} currency={inv.currency} />,
            },
          ]}
        />
      </Card>

      <Card title={t('invoice.installments')} style={{ marginBottom: 16 }}>
        <Table<Installment>
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={installments}
          scroll={{ x: 'max-content' }}
          columns={[
            { key: 'seq', dataIndex: 'seq', title: t('field.seq') },
            { key: 'dueDate', dataIndex: 'dueDate', title: t('field.dueDate'), render: fmtDate },
            { key: 'milestone', dataIndex: 'milestone', title: t('field.milestone'), render: orDash },
            {
              key: 'amount',
              dataIndex: 'amount',
              title: t('field.amount'),
              align: 'right',
              render: (v: string) => <Money value={v} currency={inv.currency} />,
            },
            {
              key: 'allocated',
              dataIndex: 'allocated',
              title: t('field.allocated'),
              align: 'right',
              render: (v: string) => <Money value={v} currency={inv.currency} />,
            },
            {
              key: 'open',
              dataIndex: 'open',
              title: t('field.open'),
              align: 'right',
              render: (v: string, r) => (
                <Money value={v} currency={inv.currency} strong testId={`installment-open-${r.seq}`} />
              ),
            },
          ]}
        />
      </Card>

      <Card title={t('invoice.allocations')}>
        <Table<Allocation>
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={allocations}
          scroll={{ x: 'max-content' }}
          columns={[
            { key: 'effectiveDate', dataIndex: 'effectiveDate', title: t('field.effectiveDate'), render: fmtDate },
            { key: 'source', title: t('field.source'), render: (_, a) => sourceOf(a) },
            { key: 'seq', title: t('field.seq'), render: (_, a) => orDash(seqOf(a)) },
            {
              key: 'amount',
              dataIndex: 'amount',
              title: t('field.amount'),
              align: 'right',
              render: (v: string, a) => (
                <>
                  <Money value={v} currency={a.currency ?? inv.currency} />{' '}
                  {(signOf(v) < 0 || a.reversesAllocationId) && <Tag color="orange">{t('receipt.reversal')}</Tag>}
                  {a.reversed && <Tag>{t('receipt.reversed')}</Tag>}
                </>
              ),
            },
            { key: 'method', dataIndex: 'method', title: t('field.method'), render: (v: string | undefined) => (v ? td('method', v) : '—') },
          ]}
        />
      </Card>
    </>
  );
}
