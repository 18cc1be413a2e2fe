import { Col, Row } from 'antd';
import { useI18n } from '../../i18n';
import { formatMoney } from '../../money';
import { type Direction, KpiCard } from './KpiCard';
import type { DashboardDoc, KpiFigures } from './types';

type Kind = 'money' | 'days' | 'percent' | 'number';

interface Spec {
  key: keyof KpiFigures;
  title: string;
  kind: Kind;
  direction: Direction;
  extra?: (c: KpiFigures) => string | null;
  link?: string;
}

/** KPI cards with month-over-month change; each card links to the list or report behind it when there is one. */
export function KpiGrid({ doc, onOpen }: { doc: DashboardDoc; onOpen: (path: string) => void }) {
  const { t } = useI18n();
  const cur = doc.kpis.current;
  const prev = doc.kpis.previous;
  const money = (v: string) => formatMoney(v, doc.currency);
  const show = (kind: Kind, v: string | null) => {
    if (v === null) return '—';
    if (kind === 'money') return money(v);
    if (kind === 'days') return t('home.days', { value: v });
    if (kind === 'percent') return `${v}%`;
    return v;
  };
  const agingAt = `/aging?${new URLSearchParams({ asOf: doc.asOf, currency: doc.currency, by: 'customer' })}`;
  const specs: Spec[] = [
    { key: 'dso', title: t('home.dso'), kind: 'days', direction: 'downGood', link: agingAt },
    { key: 'overdueRatioAmount', title: t('home.overdueRatio'), kind: 'percent', direction: 'downGood', link: `/invoices?status=overdue` },
    { key: 'cei', title: t('home.cei'), kind: 'percent', direction: 'upGood' },
    { key: 'collectionRate', title: t('home.collectionRate'), kind: 'percent', direction: 'upGood', link: '/receipts' },
    {
      key: 'top10Share',
      title: t('home.top10Share'),
      kind: 'percent',
      direction: 'downGood',
      extra: (c) => (c.hhi === null ? null : t('home.hhi', { value: c.hhi })),
      link: `/customers?sort=open&order=desc`,
    },
    {
      key: 'creditUtilisation',
      title: t('home.creditUtilisation'),
      kind: 'percent',
      direction: 'downGood',
      extra: (c) => t('home.overLimit', { count: c.customersOverLimit }),
      link: `/customers?sort=open&order=desc`,
    },
    {
      key: 'unapplied',
      title: t('home.unappliedCash'),
      kind: 'money',
      direction: 'downGood',
      extra: (c) => t('home.unappliedCount', { count: c.unappliedCount }),
      link: '/receipts',
    },
    { key: 'dpo', title: t('home.dpo'), kind: 'days', direction: 'neutral', link: `/bills` },
    {
      key: 'payablesDue7',
      title: t('home.payablesDue'),
      kind: 'money',
      direction: 'neutral',
      extra: (c) => t('home.due30', { amount: money(c.payablesDue30) }),
      link: `/aging?${new URLSearchParams({ asOf: doc.asOf, currency: doc.currency, side: 'AP', by: 'supplier' })}`,
    },
    {
      key: 'badDebtRate',
      title: t('home.badDebtRate'),
      kind: 'percent',
      direction: 'downGood',
      extra: (c) => t('home.writtenOff', { amount: money(c.writtenOff) }),
      link: `/invoices?status=written_off`,
    },
  ];
  return (
    <Row gutter={[12, 12]} data-testid="kpi-grid">
      {specs.map((s) => {
        const v = cur[s.key] as string | null;
        const p = prev ? (prev[s.key] as string | null) : undefined;
        return (
          <Col key={s.key} xs={12} sm={12} md={8} xl={6} xxl={4}>
            <KpiCard
              testId={`kpi-${s.key}`}
              title={s.title}
              value={show(s.kind, v)}
              current={v}
              previous={p}
              direction={s.direction}
              formatDelta={(d) => (s.kind === 'money' ? money(d) : s.kind === 'percent' ? `${d} pp` : s.kind === 'days' ? t('home.days', { value: d }) : d)}
              extra={s.extra?.(cur) ?? undefined}
              onClick={s.link ? () => onOpen(s.link!) : undefined}
            />
          </Col>
        );
      })}
    </Row>
  );
}
