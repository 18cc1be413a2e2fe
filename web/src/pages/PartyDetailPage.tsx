import { ReloadOutlined } from '@ant-design/icons';
import { Button, Card, Descriptions, type DescriptionsProps, Flex, Table, Tabs, Tag, Typography } from 'antd';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type { LedgerEntry, PartyDetail, Side } from '../api';
import { ErrorResult, Loading, Money, PageTitle } from '../components/common';
import { InvoiceTable, invoiceBase, ReceiptTable, receiptBase } from '../components/DocTables';
import { fmtDate, orDash } from '../format';
import { useApi, useLocalListState } from '../hooks';
import CustomerStatementCard from '../components/CustomerStatementCard';
import { useI18n } from '../i18n';
import { signOf } from '../money';
import { type PartyKind, partyBase } from './PartyListPage';

const NO_FILTERS: readonly string[] = [];

function Ledger({ kind, id, side }: { kind: PartyKind; id: string; side: Side }) {
  const { t, td } = useI18n();
  const navigate = useNavigate();
  const { data, loading } = useApi<{ items: LedgerEntry[] } | LedgerEntry[]>(`/api${partyBase(kind)}/${id}/ledger`);
  const items = Array.isArray(data) ? data : (data?.items ?? []);

  /** Adjustments point at an allocation, not a document: they have no page of their own. */
  const hrefOf = (e: LedgerEntry): string | null => {
    if (e.type === 'receipt' || e.type === 'payment') return `${receiptBase(side)}/${e.id}`;
    if (e.type === 'invoice' || e.type === 'credit_note') return `${invoiceBase(side)}/${e.id}`;
    return null;
  };
  const amountCell = (v: string | null, e: LedgerEntry) =>
    v && signOf(v) !== 0 ? <Money value={v} currency={e.currency} /> : '';

  const typeLabel = (type: string) => {
    if (type === 'receipt' && side === 'AP') return t('kind.payment');
    if (type === 'invoice' && side === 'AP') return t('kind.bill');
    if (type === 'credit_note' && side === 'AP') return t('kind.bill_credit_note');
    return td('kind', type);
  };

  return (
    <Table<LedgerEntry>
      className="clickable-rows"
      size="small"
      rowKey={(e) => `${e.type}:${e.id}`}
      loading={loading}
      dataSource={items}
      scroll={{ x: 'max-content' }}
      onRow={(e) => ({
        onClick: () => {
          const href = hrefOf(e);
          if (href) navigate(href);
        },
      })}
      pagination={{ defaultPageSize: 50, showSizeChanger: true, hideOnSinglePage: true }}
      data-testid="party-ledger"
      columns={[
        { key: 'date', dataIndex: 'date', title: t('field.date'), render: fmtDate },
        {
          key: 'type',
          dataIndex: 'type',
          title: t('field.type'),
          render: (v: string) => (
            <Tag color={v === 'credit_note' ? 'red' : v === 'receipt' ? 'green' : v === 'adjustment' ? 'orange' : 'blue'}>
              {typeLabel(v)}
            </Tag>
          ),
        },
        {
          key: 'number',
          dataIndex: 'number',
          title: t('field.number'),
          render: (v: string, e) => {
            const href = hrefOf(e);
            return href ? (
              <Link to={href} onClick={(ev) => ev.stopPropagation()}>
                {v}
              </Link>
            ) : (
              v
            );
          },
        },
        {
          key: 'debit',
          dataIndex: 'debit',
          title: t('field.debit'),
          align: 'right',
          render: amountCell,
        },
        {
          key: 'credit',
          dataIndex: 'credit',
          title: t('field.credit'),
          align: 'right',
          render: amountCell,
        },
        {
          key: 'balance',
          dataIndex: 'balance',
          title: t('field.balance'),
          align: 'right',
          render: (v: string, e) => <Money value={v} currency={e.currency} strong />,
        },
      ]}
    />
  );
}

function InvoicesTab({ side, partyId }: { side: Side; partyId: string }) {
  const list = useLocalListState(NO_FILTERS, 10);
  return <InvoiceTable side={side} list={list} partyId={partyId} />;
}

function ReceiptsTab({ side, partyId }: { side: Side; partyId: string }) {
  const list = useLocalListState(NO_FILTERS, 10);
  return <ReceiptTable side={side} list={list} partyId={partyId} />;
}

export default function PartyDetailPage({ kind }: { kind: PartyKind }) {
  const { t } = useI18n();
  const { id = '' } = useParams();
  const base = partyBase(kind);
  const side: Side = kind === 'customer' ? 'AR' : 'AP';
  const { data: p, loading, error, reload } = useApi<PartyDetail>(`/api${base}/${encodeURIComponent(id)}`);

  if (error && !p) return <ErrorResult error={error} onRetry={reload} />;
  if (!p) return loading ? <Loading /> : null;

  const extIds = p.externalIds && typeof p.externalIds === 'object' ? Object.entries(p.externalIds) : [];

  const items: DescriptionsProps['items'] = [
    { key: 'code', label: t('field.code'), children: p.code },
    { key: 'name', label: t('field.name'), children: p.name },
    { key: 'uscc', label: t('field.uscc'), children: <Typography.Text copyable={!!p.uscc}>{orDash(p.uscc)}</Typography.Text> },
    {
      key: 'region',
      label: t('field.region'),
      children: p.province ? `${orDash(p.region)} · ${p.province}` : orDash(p.region),
    },
    { key: 'industry', label: t('field.industry'), children: orDash(p.industry) },
    { key: 'owner', label: t('field.owner'), children: orDash(p.ownerName) },
    { key: 'terms', label: t('field.termsDays'), children: orDash(p.paymentTermsDays) },
    {
      key: 'creditLimit',
      label: t('field.creditLimit'),
      children: p.creditLimit ? <Money value={p.creditLimit} currency={p.creditCurrency ?? p.currency} /> : '—',
    },
    {
      key: 'open',
      label: t('field.openBalance'),
      children: (
        <Money value={p.open} currency={p.currency} strong testId={`${kind}-open-balance`} />
      ),
    },
    {
      key: 'overdue',
      label: t('field.overdue'),
      children: <Money value={p.overdue} currency={p.currency} danger testId={`${kind}-overdue`} />,
    },
    {
      key: 'unapplied',
      label: t('field.unapplied'),
      children: <Money value={p.unapplied} currency={p.currency} testId={`${kind}-unapplied`} />,
    },
  ];
  if (p.shortName) items.push({ key: 'shortName', label: t('field.shortName'), children: p.shortName });
  if (p.contactEmail) items.push({ key: 'contactEmail', label: t('field.contactEmail'), children: p.contactEmail });
  const balances = Array.isArray(p.balances) ? p.balances : [];
  if (balances.length > 1) {
    items.push({
      key: 'balances',
      label: t('field.balancesByCurrency'),
      span: 'filled',
      children: (
        <Flex vertical gap={2}>
          {balances.map((b) => (
            <span key={b.currency}>
              {b.currency}: {t('field.openBalance')} <Money value={b.open} currency={b.currency} /> · {t('field.overdue')}{' '}
              <Money value={b.overdue} currency={b.currency} danger /> · {t('field.unapplied')}{' '}
              <Money value={b.unapplied} currency={b.currency} />
            </span>
          ))}
        </Flex>
      ),
    });
  }
  if (p.parentId) {
    items.push({
      key: 'parent',
      label: t('field.parent'),
      children: <Link to={`${base}/${p.parentId}`}>{p.parentName || p.parentId}</Link>,
    });
  }
  if (extIds.length > 0) {
    items.push({
      key: 'ext',
      label: t('field.externalIds'),
      children: extIds.map(([k, v]) => (
        <Tag key={k}>
          {k}: {typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v)}
        </Tag>
      )),
    });
  }

  const bankAccounts = Array.isArray(p.bankAccounts) ? p.bankAccounts : [];

  return (
    <>
      <PageTitle
        back
        title={p.name}
        sub={<Tag>{p.code}</Tag>}
        extra={<Button icon={<ReloadOutlined />} onClick={reload} aria-label={t('common.refresh')} title={t('common.refresh')} />}
      />
      <Card style={{ marginBottom: 16 }}>
        <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} items={items} />
        {bankAccounts.length > 0 && (
          <>
            <Typography.Title level={5} style={{ marginTop: 16 }}>
              {t('field.bankAccounts')}
            </Typography.Title>
            <Table
              size="small"
              rowKey={(b) => b.id ?? b.accountNo}
              pagination={false}
              dataSource={bankAccounts}
              scroll={{ x: 'max-content' }}
              columns={[
                { key: 'bankName', dataIndex: 'bankName', title: t('field.bankName') },
                { key: 'accountNo', dataIndex: 'accountNo', title: t('field.accountNo') },
                { key: 'accountName', dataIndex: 'accountName', title: t('field.accountName') },
              ]}
            />
          </>
        )}
      </Card>
      {kind === 'customer' && <CustomerStatementCard partyId={p.id} email={p.contactEmail ?? null} />}
      <Card>
        <Tabs
          items={[
            {
              key: 'invoices',
              label: <span data-testid="tab-invoices">{t(side === 'AR' ? 'party.invoicesTab' : 'party.billsTab')}</span>,
              children: <InvoicesTab side={side} partyId={p.id} />,
            },
            {
              key: 'receipts',
              label: <span data-testid="tab-receipts">{t(side === 'AR' ? 'party.receiptsTab' : 'party.paymentsTab')}</span>,
              children: <ReceiptsTab side={side} partyId={p.id} />,
            },
            {
              key: 'ledger',
              label: <span data-testid="tab-ledger">{t('party.ledgerTab')}</span>,
              children: <Ledger kind={kind} id={p.id} side={side} />,
            },
          ]}
        />
      </Card>
    </>
  );
}
