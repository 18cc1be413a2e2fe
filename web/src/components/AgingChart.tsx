import { BarChart, type BarSeriesOption } from 'echarts/charts';
import { GridComponent, type GridComponentOption, TooltipComponent, type TooltipComponentOption } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useMemo } from 'react';
import type { AgingBucket } from '../api';
import { useI18n } from '../i18n';
import { chartNumber, formatMoney } from '../money';

echarts.use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

type Option = echarts.ComposeOption<BarSeriesOption | GridComponentOption | TooltipComponentOption>;

const COLORS = ['#52c41a', '#faad14', '#fa8c16', '#f5222d', '#cf1322', '#a8071a', '#820014'];

/** Aging buckets as a bar chart. Values go through Number() for drawing only; labels and the
 * tooltip show the exact decimal string. */
export default function AgingChart({
  aging,
  currency,
  onBucketClick,
}: {
  aging: AgingBucket[];
  currency: string;
  /** Called with the bucket key when a bar is clicked (the home page opens the aging report). */
  onBucketClick?: (key: string) => void;
}) {
  const { locale } = useI18n();
  const option = useMemo<Option>(() => {
    const compact = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 });
    return {
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (params: unknown) => {
          const first = (Array.isArray(params) ? params[0] : params) as { dataIndex?: number } | undefined;
          const b = first?.dataIndex === undefined ? undefined : aging[first.dataIndex];
          if (!b) return '';
          const label = locale === 'zh-CN' ? b.labelZh : b.labelEn;
          const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
          return `${esc(label)}<br/><b>${esc(formatMoney(b.amount, currency))}</b>`;
        },
      },
      xAxis: {
        type: 'category',
        data: aging.map((b) => (locale === 'zh-CN' ? b.labelZh : b.labelEn)),
        axisLabel: { interval: 0, hideOverlap: true },
      },
      yAxis: {
        type: 'value',
        axisLabel: { formatter: (v: number) => compact.format(v) },
      },
      series: [
        {
          type: 'bar',
          barMaxWidth: 48,
          data: aging.map((b, i) => ({
            value: chartNumber(b.amount),
            itemStyle: { color: COLORS[Math.min(i, COLORS.length - 1)] },
          })),
        },
      ],
    };
  }, [aging, currency, locale]);

  const onEvents = useMemo(
    () => ({
      click: (p: { dataIndex?: number }) => {
        const b = p.dataIndex === undefined ? undefined : aging[p.dataIndex];
        if (b && onBucketClick) onBucketClick(b.key);
      },
    }),
    [aging, onBucketClick],
  );

  return (
    <div data-testid="aging-chart">
      <ReactEChartsCore
        echarts={echarts}
        option={option}
        notMerge
        onEvents={onEvents}
        style={{ height: 300, width: '100%', cursor: onBucketClick ? 'pointer' : undefined }}
      />
    </div>
  );
}
