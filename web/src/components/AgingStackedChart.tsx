/**
 * Buckets per top group as horizontal stacked bars (ECharts): the groups with the largest open
 * totals in one currency, each bar split by aging bucket from green (not due) to dark red. Values
 * go through Number() for drawing only; the tooltip shows the exact decimal strings. Clicking a
 * segment opens the drill-down of that cell.
 */
import { BarChart, type BarSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  type GridComponentOption,
  LegendComponent,
  type LegendComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useMemo } from 'react';
import { useI18n } from '../i18n';
import { chartNumber, formatMoney, toMinor } from '../money';
import { type AgingDoc, type AgingRowDoc, type CellTarget, groupText } from './AgingReport';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

type Option = echarts.ComposeOption<BarSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

/** Not due in green, then warmer and darker as the age grows. */
const OVERDUE_COLORS = ['#fadb14', '#faad14', '#fa8c16', '#fa541c', '#f5222d', '#cf1322', '#a8071a', '#820014', '#5c0011'];

export function bucketColor(index: number, count: number, firstIsCurrent: boolean): string {
  if (firstIsCurrent && index === 0) return '#52c41a';
  const i = firstIsCurrent ? index - 1 : index;
  const n = firstIsCurrent ? count - 1 : count;
  if (n <= 1) return OVERDUE_COLORS[0]!;
  return OVERDUE_COLORS[Math.round((i / (n - 1)) * (OVERDUE_COLORS.length - 1))]!;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export default function AgingStackedChart(props: { doc: AgingDoc; currency: string; top?: number; onCell: (target: CellTarget) => void }) {
  const { doc, currency, onCell } = props;
  const top = props.top ?? 10;
  const { t, locale } = useI18n();

  const rows = useMemo<AgingRowDoc[]>(() => {
    const mine = doc.rows.filter((r) => r.currency === currency);
    const total = (r: AgingRowDoc) => toMinor(r.total, currency) ?? 0n;
    // Largest first; the chart draws categories bottom-up, so reverse for the largest on top.
    return [...mine]
      .sort((a, b) => (total(b) > total(a) ? 1 : total(b) < total(a) ? -1 : 0))
      .slice(0, top)
      .reverse();
  }, [doc, currency, top]);

  const option = useMemo<Option>(() => {
    const compact = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 });
    const none = t('aging.none');
    // Axis labels show names (a customer's name says more than its code); the tooltip shows both.
    const names = rows.map((r) => r.groups.map((g) => groupText(g, none)).join(' · '));
    const shortNames = rows.map((r) => r.groups.map((g) => (g.key ? (g.label ?? g.key) : none)).join(' · '));
    const firstIsCurrent = doc.buckets[0]?.key === 'current';
    return {
      animationDuration: 400,
      grid: { left: 8, right: 16, top: 8, bottom: 56, containLabel: true },
      legend: { bottom: 0, type: 'scroll', itemWidth: 12, itemHeight: 10 },
      tooltip: {
        trigger: 'item',
        formatter: (p: unknown) => {
          const { seriesIndex, dataIndex } = p as { seriesIndex?: number; dataIndex?: number };
          const b = seriesIndex === undefined ? undefined : doc.buckets[seriesIndex];
          const r = dataIndex === undefined ? undefined : rows[dataIndex];
          if (!b || !r) return '';
          const label = locale === 'zh-CN' ? b.labelZh : b.labelEn;
          return `${esc(names[dataIndex!] ?? '')}<br/>${esc(label)}: <b>${esc(formatMoney(r.amounts[b.key], currency))}</b><br/>${esc(t('aging.total'))}: ${esc(formatMoney(r.total, currency))}`;
        },
      },
      xAxis: { type: 'value', axisLabel: { formatter: (v: number) => compact.format(v) } },
      yAxis: {
        type: 'category',
        data: shortNames,
        axisLabel: { width: 130, overflow: 'truncate' },
      },
      series: doc.buckets.map((b, i) => ({
        type: 'bar',
        name: locale === 'zh-CN' ? b.labelZh : b.labelEn,
        stack: 'aging',
        barMaxWidth: 28,
        itemStyle: { color: bucketColor(i, doc.buckets.length, firstIsCurrent) },
        emphasis: { focus: 'series' },
        data: rows.map((r) => chartNumber(r.amounts[b.key])),
      })),
    };
  }, [rows, doc, currency, locale, t]);

  const onEvents = useMemo(
    () => ({
      click: (p: { seriesIndex?: number; dataIndex?: number }) => {
        const b = p.seriesIndex === undefined ? undefined : doc.buckets[p.seriesIndex];
        const r = p.dataIndex === undefined ? undefined : rows[p.dataIndex];
        if (b && r) onCell({ row: r, column: b.key });
      },
    }),
    [doc, rows, onCell],
  );

  if (rows.length === 0) return null;
  return (
    <div data-testid="aging-stacked-chart">
      <ReactEChartsCore echarts={echarts} option={option} notMerge onEvents={onEvents} style={{ height: 90 + rows.length * 34, width: '100%' }} />
    </div>
  );
}
