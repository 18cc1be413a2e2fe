/**
 * Drill-down of one aging cell (GET /api/aging/cell): the installments behind the amount, each
 * linking to its invoice. The listed amounts add up to the cell (the server uses the same rule).
 */
import { Alert, Drawer, Flex, Grid, Table, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { type AgingDoc, type AgingQuery, agingSearch, type CellTarget, CREDITS, groupText, TOTAL } from './AgingReport';
import { KindTag, Money } from './common';
import { invoiceBase, partyPath } from './DocTables';

interface CellItem {
  installmentId: string;
  invoiceId: string;
  number: string;
  seq: number;
  kind: string;
  partyId: string;
  partyCode: string;
  partyName: string;
  issueDate: string;
  dueDate: string;
  days: number;
  column: string;
  open: string;
  currency: string;
  documentCurrency: string;
  documentOpen: string;
}

interface CellDoc {
  total: string;
  count: number;
  truncated: boolean;
  currency: string;
  items: CellItem[];
}

const LIMIT = 500;

export default function AgingCellDrawer(props: { query: AgingQuery; doc: AgingDoc | undefined; target: CellTarget | null; onClose: () => void }) {
  const { query, doc, target, onClose } = props;
  const { t, locale } = useI18n();
  const phone = Grid.useBreakpoint().md === false;
  let url: string | null = null;
  if (target) {
    const p = agingSearch(query, { rowCurrency: target.row.currency, column: target.column, limit: String(LIMIT) });
    for (const g of target.row.groups) p.append('key', g.key);
    url = `/api/aging/cell?${p.toString()}`;
  }
  const { data, loading } = useApi<CellDoc>(url);
  const bucket = doc?.buckets.find((b) => b.key === target?.column);
  const columnLabel = bucket
    ? locale === 'zh-CN'
      ? bucket.labelZh
      : bucket.labelEn
    : target?.column === CREDITS
      ? t('aging.credits')
      : t('aging.total');
  const group = target ? target.row.groups.map((g) => groupText(g, t('aging.none'))).join(' · ') || target.row.currency : '';
  const converted = data?.items.some((i) => i.documentCurrency !== i.currency) ?? false;
  const base = invoiceBase(query.side);

  return (
    <Drawer
      open={target !== null}
      onClose={onClose}
      size={phone ? '100%' : 760}
      title={t('aging.drill.title', { group: `${group} · ${columnLabel}` })}
      destroyOnHidden
    >
      <div data-testid="aging-drill">
        {data && (
          <Flex vertical gap={8} style={{ marginBottom: 12 }}>
            <Typography.Text>
              {t('aging.drill.summary', { count: data.count })}{' '}
              <span data-testid="aging-drill-total">
                <Money value={data.total} currency={data.currency} strong />
              </span>
              {' · '}
              {t('common.asOf')} {doc?.asOf}
            </Typography.Text>
            {data.truncated && <Alert type="info" showIcon title={t('aging.drill.truncated', { n: LIMIT })} />}
          </Flex>
        )}
        <Table<CellItem>
          size="small"
          rowKey="installmentId"
          loading={loading}
          dataSource={data?.items ?? []}
          scroll={{ x: 'max-content' }}
          pagination={{ defaultPageSize: 50, hideOnSinglePage: true, showSizeChanger: false }}
          columns={[
            {
              key: 'number',
              title: t('field.number'),
              render: (_, r) => (
                <>
                  <Link to={`${base}/${r.invoiceId}`} data-testid={`aging-drill-invoice-${r.number}`}>
                    {r.number}
                  </Link>
                  {r.seq > 1 ? <Typography.Text type="secondary"> #{r.seq}</Typography.Text> : null}{' '}
                  <KindTag kind={r.kind} side={query.side} />
                </>
              ),
            },
            ...(target && doc?.dims[0] === 'customer' && target.row.groups.length === 1
              ? []
              : [
                  {
                    key: 'party',
                    title: t(query.side === 'AR' ? 'field.customer' : 'field.supplier'),
                    render: (_: unknown, r: CellItem) => <Link to={partyPath(query.side, r.partyId)}>{r.partyName}</Link>,
                  },
                ]),
            { key: 'issueDate', dataIndex: 'issueDate', title: t('field.issueDate') },
            { key: 'dueDate', dataIndex: 'dueDate', title: t('field.dueDate') },
            {
              key: 'days',
              dataIndex: 'days',
              title: t(query.basis === 'due' ? 'aging.daysDue' : 'aging.daysInvoice'),
              align: 'right',
              render: (v: number) => (query.basis === 'due' && v > 0 ? <Typography.Text type="danger">{v}</Typography.Text> : v),
            },
            ...(target?.column === TOTAL
              ? [
                  {
                    key: 'column',
                    title: t('aging.buckets'),
                    render: (_: unknown, r: CellItem) => {
                      const b = doc?.buckets.find((x) => x.key === r.column);
                      return b ? (locale === 'zh-CN' ? b.labelZh : b.labelEn) : t('aging.credits');
                    },
                  },
                ]
              : []),
            {
              key: 'open',
              title: t('field.open'),
              align: 'right',
              render: (_, r) => (
                <>
                  <Money value={r.open} currency={r.currency} />
                  {converted && r.documentCurrency !== r.currency && (
                    <div>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        <Money value={r.documentOpen} currency={r.documentCurrency} />
                      </Typography.Text>
                    </div>
                  )}
                </>
              ),
            },
          ]}
        />
      </div>
    </Drawer>
  );
}
