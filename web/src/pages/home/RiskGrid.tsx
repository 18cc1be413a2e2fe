import { Flex, Tooltip, Typography } from 'antd';
import { useI18n } from '../../i18n';
import { formatMoney } from '../../money';
import type { DashboardDoc } from './types';

/** Green (0 %) → amber → red (≥ 60 %) by overdue ratio; grey when nothing is open. */
export function heatColor(ratio: string | null): string {
  if (ratio === null) return '#f0f0f0';
  const r = Math.min(1, Number(ratio) / 60);
  const hue = Math.round(120 * (1 - r));
  return `hsl(${hue}, 70%, ${88 - Math.round(r * 30)}%)`;
}

const CELL = {
  border: '1px solid rgba(0,0,0,0.06)',
  borderRadius: 6,
  padding: '4px 8px',
  minWidth: 64,
  cursor: 'pointer',
  fontSize: 12,
  lineHeight: '18px',
  textAlign: 'center',
  color: '#262626',
} as const;

/**
 * Risk heat-grid: one row per region, one tile per province, shaded by overdue ratio (overdue ÷
 * open AR). A region opens the customer list of that region; a province opens the aging report
 * grouped by province and customer.
 */
export function RiskGrid({ doc, onRegion, onProvince }: { doc: DashboardDoc; onRegion: (region: string) => void; onProvince: (province: string) => void }) {
  const { t } = useI18n();
  const tip = (name: string, a: DashboardDoc['regions'][number]['provinces'][number] | DashboardDoc['regions'][number]) => (
    <div>
      <b>{name}</b>
      <div>
        {t('dash.overdue')} {formatMoney(a.overdue, doc.currency)} / {formatMoney(a.open, doc.currency)}
      </div>
      <div>
        {t('home.overdueRatioCol')} {a.overdueRatio ?? '—'}% · {t('home.customersN', { count: a.customers })}
      </div>
    </div>
  );
  return (
    <div data-testid="risk-grid">
      {doc.regions.map((r) => (
        <Flex key={r.region} gap={6} wrap align="stretch" style={{ marginBottom: 8 }}>
          <Tooltip title={tip(r.region, r)}>
            <button
              type="button"
              data-testid={`risk-region-${r.region}`}
              onClick={() => onRegion(r.region)}
              style={{ ...CELL, minWidth: 72, background: heatColor(r.overdueRatio) }}
            >
              <div style={{ fontWeight: 600 }}>{r.region}</div>
              <div>{r.overdueRatio ?? '—'}%</div>
            </button>
          </Tooltip>
          {r.provinces.map((p) => {
            const name = p.province || t('home.noProvince');
            return (
              <Tooltip key={p.province} title={tip(name, p)}>
                <button
                  type="button"
                  data-testid={`risk-province-${p.province}`}
                  onClick={() => onProvince(p.province)}
                  style={{ ...CELL, background: heatColor(p.overdueRatio) }}
                >
                  <div>{name}</div>
                  <div>{p.overdueRatio ?? '—'}%</div>
                </button>
              </Tooltip>
            );
          })}
        </Flex>
      ))}
      {doc.regions.length === 0 && <Typography.Text type="secondary">{t('common.none')}</Typography.Text>}
    </div>
  );
}
