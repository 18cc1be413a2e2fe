/**
 * The aging report (GET /api/aging) in the browser: its payload types, the query it is asked with,
 * and the report table (a row per group and currency, a column per bucket, totals at the bottom).
 * Amount cells are buttons that open the drill-down.
 */
import { Grid, Table, type TableColumnsType, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import type { Side } from '../api';
import { type MessageKey, useI18n } from '../i18n';
import { signOf, toMinor } from '../money';
import { Money } from './common';

export type AgingBasis = 'due' | 'invoice';
export const AGING_DIMS = ['customer', 'parent', 'entity', 'region', 'province', 'salesperson', 'industry', 'contract', 'currency'] as const;
export type AgingDim = (typeof AGING_DIMS)[number];

export interface AgingBucketDef {
  key: string;
  labelZh: string;
  labelEn: string;
  fromDays: number | null;
  toDays: number | null;
}

export interface AgingGroup {
  dim: string;
  key: string;
  label: string | null;
}

export interface AgingRowDoc {
  groups: AgingGroup[];
  currency: string;
  amounts: Record<string, string>;
  credits: string;
  total: string;
  count: number;
}

export interface AgingDoc {
  asOf: string;
  side: Side;
  basis: AgingBasis;
  bucketSet: string;
  currency: string;
  by: string[];
  dims: AgingDim[];
  buckets: AgingBucketDef[];
  rows: AgingRowDoc[];
  totals: AgingRowDoc[];
  fxRates: { from: string; to: string; rateDate: string; rate: string }[];
}

export interface AgingQuery {
  asOf: string;
  side: Side;
  basis: AgingBasis;
  buckets: string;
  by: AgingDim[];
  currency: string;
}

/** Query-string parameters of /api/aging for a query ('' asOf = today on the server). */
export function agingSearch(q: AgingQuery, extra: Record<string, string> = {}): URLSearchParams {
  const p = new URLSearchParams();
  if (q.asOf) p.set('asOf', q.asOf);
  p.set('side', q.side);
  p.set('basis', q.basis);
  p.set('buckets', q.buckets);
  if (q.by.length) p.set('by', q.by.join(','));
  p.set('currency', q.currency);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p;
}

/** The heading of a dimension (a customer is a supplier on the AP side). */
export function dimTitleKey(dim: AgingDim, side: Side): MessageKey {
  return dim === 'customer' && side === 'AP' ? 'aging.dim.supplier' : (`aging.dim.${dim}` as MessageKey);
}

export function groupText(g: AgingGroup, none: string): string {
  if (!g.key) return none;
  return g.label && g.label !== g.key ? `${g.key} ${g.label}` : g.key;
}

export const CREDITS = 'credits';
export const TOTAL = 'total';

export interface CellTarget {
  row: AgingRowDoc;
  column: string;
}

const compareMinor = (a: string | undefined, b: string | undefined, currency: string) => {
  const x = toMinor(a ?? '0', currency) ?? 0n;
  const y = toMinor(b ?? '0', currency) ?? 0n;
  return x < y ? -1 : x > y ? 1 : 0;
};

export function AgingReportTable(props: {
  doc: AgingDoc | undefined;
  loading: boolean;
  /** A bucket key to sort by (descending) and highlight, e.g. from the home page. */
  focus?: string | undefined;
  onCell: (target: CellTarget) => void;
}) {
  const { doc, loading, focus, onCell } = props;
  const { t, locale } = useI18n();
  // On a phone the first column scrolls with the rest; a pinned name column would fill the screen.
  const fixFirst = Grid.useBreakpoint().md ?? false;
  // Largest total first, or the focused bucket (from the home page) largest first.
  type Sort = { key: string; order: 'ascend' | 'descend' } | null;
  const initialSort = (): Sort => ({ key: focus ?? TOTAL, order: 'descend' });
  const [sort, setSort] = useState<Sort>(initialSort);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new focus resets the order
  useEffect(() => setSort(initialSort()), [focus]);

  const columns = useMemo<TableColumnsType<AgingRowDoc>>(() => {
    if (!doc) return [];
    const sortOrder = (key: string) => (sort?.key === key ? sort.order : null);
    const none = t('aging.none');
    const showCredits = doc.totals.some((r) => signOf(r.credits) !== 0);
    const multiCurrency = new Set(doc.rows.map((r) => r.currency)).size > 1 || doc.dims.length === 0;
    const cell = (r: AgingRowDoc, rowIndex: number, column: string, value: string) => {
      if (signOf(value) === 0) {
        return (
          <Typography.Text type="secondary" className="money">
            {value}
          </Typography.Text>
        );
      }
      return (
        <Typography.Link
          onClick={() => onCell({ row: r, column })}
          data-testid={`aging-cell-${rowIndex}-${column}`}
          title={t('aging.cellHint')}
        >
          <Money value={value} currency={r.currency} strong={column === TOTAL} />
        </Typography.Link>
      );
    };
    const cols: TableColumnsType<AgingRowDoc> = doc.dims.map((dim, i) => ({
      key: `g${i}`,
      title: t(dimTitleKey(dim, doc.side)),
      fixed: i === 0 && fixFirst ? ('left' as const) : undefined,
      sorter: (a: AgingRowDoc, b: AgingRowDoc) => (a.groups[i]?.key ?? '').localeCompare(b.groups[i]?.key ?? ''),
      sortOrder: sortOrder(`g${i}`),
      render: (_: unknown, r: AgingRowDoc) => {
        const g = r.groups[i];
        if (!g) return null;
        if (!g.key) return <Typography.Text type="secondary">{none}</Typography.Text>;
        const showLabel = g.label && g.label !== g.key;
        return (
          <span style={{ display: 'inline-block', maxWidth: 240, whiteSpace: 'normal' }}>
            {showLabel ? (
              <>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {g.key}
                </Typography.Text>{' '}
                {g.label}
              </>
            ) : (
              g.key
            )}
          </span>
        );
      },
    }));
    if (multiCurrency) cols.push({ key: 'currency', dataIndex: 'currency', title: t('common.currency') });
    doc.buckets.forEach((b) => {
      cols.push({
        key: b.key,
        title: locale === 'zh-CN' ? b.labelZh : b.labelEn,
        align: 'right',
        onHeaderCell: () => ({ style: b.key === focus ? { background: '#e6f4ff' } : {} }),
        onCell: () => ({ style: b.key === focus ? { background: '#f0f7ff' } : {} }),
        sorter: (x: AgingRowDoc, y: AgingRowDoc) => compareMinor(x.amounts[b.key], y.amounts[b.key], x.currency),
        sortOrder: sortOrder(b.key),
        render: (_: unknown, r: AgingRowDoc, i: number) => cell(r, i, b.key, r.amounts[b.key] ?? '0'),
      });
    });
    if (showCredits) {
      cols.push({
        key: CREDITS,
        title: t('aging.credits'),
        align: 'right',
        sorter: (x: AgingRowDoc, y: AgingRowDoc) => compareMinor(x.credits, y.credits, x.currency),
        sortOrder: sortOrder(CREDITS),
        render: (_: unknown, r: AgingRowDoc, i: number) => cell(r, i, CREDITS, r.credits),
      });
    }
    cols.push(
      {
        key: TOTAL,
        title: t('aging.total'),
        align: 'right',
        fixed: fixFirst ? ('right' as const) : undefined,
        sorter: (x: AgingRowDoc, y: AgingRowDoc) => compareMinor(x.total, y.total, x.currency),
        sortOrder: sortOrder(TOTAL),
        render: (_: unknown, r: AgingRowDoc, i: number) => cell(r, i, TOTAL, r.total),
      },
      {
        key: 'count',
        dataIndex: 'count',
        title: t('aging.count'),
        align: 'right',
        fixed: fixFirst ? ('right' as const) : undefined,
        sorter: (x: AgingRowDoc, y: AgingRowDoc) => x.count - y.count,
        sortOrder: sortOrder('count'),
      },
    );
    return cols;
  }, [doc, t, locale, focus, onCell, fixFirst, sort]);

  const rowKey = (r: AgingRowDoc) => `${r.currency}|${r.groups.map((g) => g.key).join('|')}`;

  return (
    <Table<AgingRowDoc>
      size="small"
      data-testid="aging-table"
      rowKey={rowKey}
      loading={loading}
      columns={columns}
      dataSource={doc && doc.dims.length > 0 ? doc.rows : (doc?.totals ?? [])}
      scroll={{ x: 'max-content' }}
      onChange={(_p, _f, sorter) => {
        const one = Array.isArray(sorter) ? sorter[0] : sorter;
        setSort(one?.order && one.columnKey ? { key: String(one.columnKey), order: one.order } : null);
      }}
      locale={{ emptyText: t('aging.empty') }}
      pagination={{ defaultPageSize: 20, showSizeChanger: true, hideOnSinglePage: true, showTotal: (total) => t('common.total', { total }) }}
      summary={() => {
        if (!doc || doc.dims.length === 0 || doc.totals.length === 0) return null;
        const showCredits = doc.totals.some((r) => signOf(r.credits) !== 0);
        const multiCurrency = new Set(doc.rows.map((r) => r.currency)).size > 1;
        const lead = doc.dims.length + (multiCurrency ? 1 : 0);
        return (
          <Table.Summary>
            {doc.totals.map((r) => {
              let index = lead;
              const amountCell = (key: string, value: string | undefined, testId?: string) => (
                <Table.Summary.Cell key={key} index={index++} align="right">
                  <span data-testid={testId}>
                    <Money value={value} currency={r.currency} strong />
                  </span>
                </Table.Summary.Cell>
              );
              return (
                <Table.Summary.Row key={r.currency} data-testid={`aging-total-${r.currency}`}>
                  <Table.Summary.Cell index={0} colSpan={doc.dims.length}>
                    <Typography.Text strong>
                      {t('aging.total')}
                      {multiCurrency ? '' : ` (${r.currency})`}
                    </Typography.Text>
                  </Table.Summary.Cell>
                  {multiCurrency && <Table.Summary.Cell index={doc.dims.length}>{r.currency}</Table.Summary.Cell>}
                  {doc.buckets.map((b) => amountCell(b.key, r.amounts[b.key]))}
                  {showCredits && amountCell(CREDITS, r.credits)}
                  {amountCell(TOTAL, r.total, `aging-grand-total-${r.currency}`)}
                  <Table.Summary.Cell index={index++} align="right">
                    {r.count}
                  </Table.Summary.Cell>
                </Table.Summary.Row>
              );
            })}
          </Table.Summary>
        );
      }}
    />
  );
}
