import { BarChart, type BarSeriesOption, LineChart, type LineSeriesOption } from 'echarts/charts';
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
import { useCallback, useMemo, useRef } from 'react';
import { useI18n } from '../../i18n';
import { chartNumber, formatMoney } from '../../money';
import type { TrendPoint } from './types';

echarts.use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

type Option = echarts.ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption>;

/**
 * Receivables and overdue (bars, left axis, money) and DSO (line, right axis, days) per month.
 * Numbers go through Number() for drawing only; the tooltip shows the exact decimal strings.
 * A click on a month calls onMonthClick with that month's closing date.
 */
export default function TrendChart({ trend, currency, onMonthClick }: { trend: TrendPoint[]; currency: string; onMonthClick: (to: string) => void }) {
  const { t, locale } = useI18n();
  const option = useMemo<Option>(() => {
    const compact = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 });
    const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    return {
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, itemWidth: 14, itemHeight: 10, textStyle: { fontSize: 12 } },
      tooltip: {
        trigger: 'axis',
        formatter: (params: unknown) => {
          const first = (Array.isArray(params) ? params[0] : params) as { dataIndex?: number } | undefined;
          const p = first?.dataIndex === undefined ? undefined : trend[first.dataIndex];
          if (!p) return '';
          return [
            `<b>${esc(p.month)}</b> (${esc(p.to)})`,
            `${esc(t('home.trendAr'))}: ${esc(formatMoney(p.closingAr, currency))}`,
            `${esc(t('home.trendOverdue'))}: ${esc(formatMoney(p.overdue, currency))}`,
            `${esc(t('home.trendDso'))}: ${esc(p.dso ?? '—')}`,
          ].join('<br/>');
        },
      },
      xAxis: { type: 'category', data: trend.map((p) => p.month.slice(2)), axisLabel: { hideOverlap: true } },
      yAxis: [
        { type: 'value', axisLabel: { formatter: (v: number) => compact.format(v) } },
        { type: 'value', splitLine: { show: false }, axisLabel: { formatter: (v: number) => `${v}` } },
      ],
      series: [
        { name: t('home.trendAr'), type: 'bar', data: trend.map((p) => chartNumber(p.closingAr)), itemStyle: { color: '#1677ff' }, barMaxWidth: 18 },
        { name: t('home.trendOverdue'), type: 'bar', data: trend.map((p) => chartNumber(p.overdue)), itemStyle: { color: '#ff7875' }, barMaxWidth: 18 },
        {
          name: t('home.trendDso'),
          type: 'line',
          yAxisIndex: 1,
          smooth: true,
          symbolSize: 8,
          data: trend.map((p) => (p.dso === null ? null : chartNumber(p.dso))),
          itemStyle: { color: '#fa8c16' },
        },
      ],
    };
  }, [trend, currency, locale, t]);

  // A click anywhere in a month's column (not only on a thin bar or the line's dot) opens it:
  // the pixel is converted to the category index on the x axis.
  const latest = useRef({ trend, onMonthClick });
  latest.current = { trend, onMonthClick };
  const onChartReady = useCallback((chart: echarts.ECharts) => {
    chart.getZr().on('click', (e: { offsetX: number; offsetY: number }) => {
      if (!chart.containPixel('grid', [e.offsetX, e.offsetY])) return;
      const [index] = chart.convertFromPixel({ seriesIndex: 0 }, [e.offsetX, e.offsetY]) as number[];
      const point = index === undefined ? undefined : latest.current.trend[Math.round(index)];
      if (point) latest.current.onMonthClick(point.to);
    });
  }, []);

  return (
    <div data-testid="trend-chart">
      <ReactEChartsCore echarts={echarts} option={option} notMerge onChartReady={onChartReady} style={{ height: 300, width: '100%', cursor: 'pointer' }} />
    </div>
  );
}
