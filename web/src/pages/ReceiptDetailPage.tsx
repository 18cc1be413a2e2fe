import { ReloadOutlined, RollbackOutlined } from '@ant-design/icons';
import { App, Button, Card, Descriptions, type DescriptionsProps, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { type Allocation, endpoints, newIdempotencyKey, type ReceiptDetail, type Side } from '../api';
import AllocationPanel from '../components/AllocationPanel';
import { ErrorResult, Loading, Money, PageTitle } from '../components/common';
import { invoiceBase, partyPath } from '../components/DocTables';
import { fmtDate, orDash } from '../format';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { signOf } from '../money';

/** An allocation can be reversed when it is a positive original that nothing reverses yet. */
function reversible(a: Allocation, all: Allocation[]): boolean {
  if (signOf(a.amount) <= 0 || a.reversesAllocationId) return false;
  if (a.reversed || a.reversedBy || a.reversedByAllocationId) return false;
  return !all.some((o) => o.reversesAllocationId === a.id);
}

export default function ReceiptDetailPage({ side }: { side: Side }) {
  const { t, td } = useI18n();
  const { message } = App.useApp();
  const { id = '' } = useParams();
  const { data: r, loading, error, reload } = useApi<ReceiptDetail>(`/api/receipts/${encodeURIComponent(id)}`);
  const [panelVersion, setPanelVersion] = useState(0);
  const [reversing, setReversing] = useState<string | null>(null);

  if (error && !r) return <ErrorResult error={error} onRetry={reload} />;
  if (!r) return loading ? <Loading /> : null;

  const docSide: Side = r.side ?? side;
  const allocations = Array.isArray(r.allocations) ? r.allocations : [];

  const reverse = async (a: Allocation) => {
    setReversing(a.id);
    try {
      await endpoints.reverseAllocation(a.id, newIdempotencyKey());
      void message.success(t('receipt.reverseDone'));
      reload();
      setPanelVersion((v) => v + 1);
    } catch {
      // surfaced by the API client
    } finally {
      setReversing(null);
    }
  };

  const items: DescriptionsProps['items'] = [
    { key: 'number', label: t('field.number'), children: r.number },
    {
      key: 'party',
      label: docSide === 'AR' ? t('field.customer') : t('field.supplier'),
      children: r.partyId ? <Link to={partyPath(docSide, r.partyId)}>{r.partyName || r.partyId}</Link> : '—',
    },
    {
      key: 'date',
      label: docSide === 'AR' ? t('field.receiptDate') : t('field.paymentDate'),
      children: fmtDate(r.receiptDate),
    },
    { key: 'amount', label: t('field.amount'), children: <Money value={r.amount} currency={r.currency} testId="receipt-amount" /> },
    {
      key: 'allocated',
      label: t('field.allocated'),
      children: <Money value={r.allocated} currency={r.currency} testId="receipt-allocated" />,
    },
    {
      key: 'unapplied',
      label: t('field.unapplied'),
      children: <Money value={r.unapplied} currency={r.currency} strong testId="receipt-unapplied" />,
    },
    { key: 'currency', label: t('common.currency'), children: r.currency },
    { key: 'bankReference', label: t('field.bankReference'), children: orDash(r.bankReference) },
    { key: 'counterpartyName', label: t('field.counterpartyName'), children: orDash(r.counterpartyName) },
    {
      key: 'remittance',
      label: t('field.remittance'),
      span: 'filled',
      children: <span data-testid="receipt-remittance">{orDash(r.remittance)}</span>,
    },
  ];

  return (
    <>
      <PageTitle
        back
        title={r.number}
        sub={<Tag color={docSide === 'AR' ? 'green' : 'volcano'}>{t(docSide === 'AR' ? 'kind.receipt' : 'kind.payment')}</Tag>}
        extra={
          <Button
            icon={<ReloadOutlined />}
            onClick={() => {
              reload();
              setPanelVersion((v) => v + 1);
            }}
            aria-label={t('common.refresh')}
            title={t('common.refresh')}
          />
        }
      />
      <Card style={{ marginBottom: 16 }}>
        <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} items={items} />
      </Card>

      <Card title={t('receipt.allocations')} style={{ marginBottom: 16 }}>
        <Table<Allocation>
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={allocations}
          scroll={{ x: 'max-content' }}
          data-testid="receipt-allocations"
          columns={[
            { key: 'effectiveDate', dataIndex: 'effectiveDate', title: t('field.effectiveDate'), render: fmtDate },
            {
              key: 'invoice',
              title: t('field.invoice'),
              render: (_, a) =>
                a.invoiceId ? (
                  <Link to={`${invoiceBase(docSide)}/${a.invoiceId}`}>{a.invoiceNumber || a.invoiceId}</Link>
                ) : (
                  orDash(a.invoiceNumber)
                ),
            },
            { key: 'seq', title: t('field.seq'), render: (_, a) => orDash(a.installmentSeq) },
            {
              key: 'amount',
              dataIndex: 'amount',
              title: t('field.amount'),
              align: 'right',
              render: (v: string, a) => (
                <>
                  <Money value={v} currency={a.currency ?? r.currency} />
                  {a.sourceAmount && a.sourceCurrency && a.sourceCurrency !== (a.currency ?? r.currency) && (
                    <Typography.Text type="secondary" style={{ marginInlineStart: 6 }}>
                      (<Money value={a.sourceAmount} currency={a.sourceCurrency} />)
                    </Typography.Text>
                  )}
                </>
              ),
            },
            {
              key: 'method',
              dataIndex: 'method',
              title: t('field.method'),
              render: (v: string | undefined) => (v ? td('method', v) : '—'),
            },
            {
              key: 'status',
              title: t('field.status'),
              render: (_, a) => {
                if (signOf(a.amount) < 0 || a.reversesAllocationId) return <Tag color="orange">{t('receipt.reversal')}</Tag>;
                if (!reversible(a, allocations)) return <Tag>{t('receipt.reversed')}</Tag>;
                return null;
              },
            },
            {
              key: 'actions',
              title: t('common.actions'),
              render: (_, a) =>
                reversible(a, allocations) ? (
                  <Button
                    size="small"
                    danger
                    icon={<RollbackOutlined />}
                    loading={reversing === a.id}
                    disabled={reversing !== null && reversing !== a.id}
                    onClick={() => void reverse(a)}
                    data-testid={`alloc-reverse-${a.invoiceNumber ?? a.id}-${a.installmentSeq ?? ''}`}
                    data-allocation-id={a.id}
                  >
                    {t('receipt.reverse')}
                  </Button>
                ) : null,
            },
          ]}
        />
      </Card>

      <AllocationPanel
        key={panelVersion}
        receipt={{ id: r.id, currency: r.currency, unapplied: r.unapplied }}
        side={docSide}
        onDone={reload}
      />
    </>
  );
}
