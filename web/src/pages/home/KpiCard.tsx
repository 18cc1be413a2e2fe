import { ArrowDownOutlined, ArrowUpOutlined, MinusOutlined } from '@ant-design/icons';
import { Card, Statistic, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useI18n } from '../../i18n';
import { signOf } from '../../money';
import { decimalDelta } from './types';

/** Whether a rise of the figure is good news (green) or bad news (red). */
export type Direction = 'upGood' | 'downGood' | 'neutral';

/**
 * One KPI: its value, and the month-over-month change (arrow + delta) coloured by whether the
 * change is good for this KPI. The delta is exact decimal arithmetic on the API's strings.
 */
export function KpiCard(props: {
  title: ReactNode;
  value: ReactNode;
  /** The current and previous raw values (decimal strings) for the change. */
  current: string | null | undefined;
  previous: string | null | undefined;
  direction: Direction;
  /** Formats the delta (e.g. with a unit or a currency). */
  formatDelta: (delta: string) => string;
  extra?: ReactNode;
  testId: string;
  onClick?: () => void;
}) {
  const { t } = useI18n();
  const delta = decimalDelta(props.current, props.previous);
  const sign = signOf(delta);
  const good = props.direction === 'neutral' || sign === 0 ? null : (sign > 0) === (props.direction === 'upGood');
  const color = good === null ? '#8c8c8c' : good ? '#389e0d' : '#cf1322';
  const Arrow = sign > 0 ? ArrowUpOutlined : sign < 0 ? ArrowDownOutlined : MinusOutlined;
  return (
    <Card size="small" hoverable={!!props.onClick} onClick={props.onClick} data-testid={props.testId} style={{ height: '100%' }}>
      <Statistic title={props.title} formatter={() => <span data-testid={`${props.testId}-value`}>{props.value}</span>} />
      <div style={{ minHeight: 22 }}>
        {delta === null ? (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('home.noPrevious')}
          </Typography.Text>
        ) : (
          <Typography.Text style={{ color, fontSize: 12 }} data-testid={`${props.testId}-delta`} data-good={good === null ? 'neutral' : String(good)}>
            <Arrow /> {props.formatDelta(delta.replace(/^-/, ''))} <span style={{ color: '#8c8c8c' }}>{t('home.mom')}</span>
          </Typography.Text>
        )}
      </div>
      {props.extra && <div style={{ fontSize: 12, color: '#8c8c8c' }}>{props.extra}</div>}
    </Card>
  );
}
