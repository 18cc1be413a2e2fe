import { Card, Descriptions, type DescriptionsProps, Table, Tag, Typography } from 'antd';
import { Link, useParams } from 'react-router-dom';
import type { ContractDetail, ContractVersion } from '../api';
import { ErrorResult, Loading, Money, PageTitle } from '../components/common';
import { partyPath } from '../components/DocTables';
import { fmtDate, orDash } from '../format';
import { useApi } from '../hooks';
import { type I18n, type MessageKey, useI18n } from '../i18n';
import { formatMoney, fromMinor } from '../money';

interface ScheduleItem {
  name?: string;
  percent?: string | number;
  amount?: string;
  amountMinor?: string | number;
  dueRule?: { kind?: string; days?: number; months?: number; date?: string } | null;
}

const RULE_KEYS = {
  days_after_invoice: 'contract.rule.days_after_invoice',
  month_end_plus: 'contract.rule.month_end_plus',
  fixed_date: 'contract.rule.fixed_date',
  months_after_invoice: 'contract.rule.months_after_invoice',
} as const;

/** One payment-schedule term as text, e.g. "预付款 · 比例 30% · 开票后 30 天". */
function describeTerm(item: ScheduleItem, currency: string, t: I18n['t']): string {
  const parts: string[] = [];
  if (item.name) parts.push(item.name);
  if (item.percent !== undefined && item.percent !== null) {
    parts.push(t('contract.percent', { percent: String(item.percent) }));
  } else if (item.amount) {
    parts.push(formatMoney(item.amount, currency));
  } else if (item.amountMinor !== undefined && /^-?\d+$/.test(String(item.amountMinor))) {
    parts.push(formatMoney(fromMinor(BigInt(String(item.amountMinor)), currency), currency));
  }
  const rule = item.dueRule;
  if (rule?.kind) {
    const key = RULE_KEYS[rule.kind as keyof typeof RULE_KEYS] as MessageKey | undefined;
    const vars = { days: rule.days ?? '', months: rule.months ?? '', date: rule.date ?? '' };
    parts.push(key ? t(key, vars) : rule.kind);
  }
  return parts.join(' · ');
}

function Schedule({ schedule, currency }: { schedule: unknown; currency: string }) {
  const { t } = useI18n();
  if (!Array.isArray(schedule) || schedule.length === 0) return <>—</>;
  return (
    <ol style={{ margin: 0, paddingInlineStart: 18 }}>
      {(schedule as ScheduleItem[]).map((item, i) => (
        // schedule terms have no id; their position is their identity within a version
        // biome-ignore lint/suspicious/noArrayIndexKey: positional terms
        <li key={i}>{describeTerm(item, currency, t)}</li>
      ))}
    </ol>
  );
}

export default function ContractDetailPage() {
  const { t } = useI18n();
  const { id = '' } = useParams();
  const { data: c, loading, error, reload } = useApi<ContractDetail>(`/api/contracts/${encodeURIComponent(id)}`);

  if (error && !c) return <ErrorResult error={error} onRetry={reload} />;
  if (!c) return loading ? <Loading /> : null;

  const side = c.side ?? 'AR';
  const versions = Array.isArray(c.versions) ? [...c.versions].sort((a, b) => b.version - a.version) : [];
  const current = versions.find((v) => v.version === c.currentVersion);

  const items: DescriptionsProps['items'] = [
    { key: 'number', label: t('field.number'), children: c.number },
    { key: 'title', label: t('field.title'), children: c.title },
    {
      key: 'side',
      label: t('field.side'),
      children: <Tag color={side === 'AR' ? 'blue' : 'volcano'}>{t(side === 'AR' ? 'side.AR' : 'side.AP')}</Tag>,
    },
    {
      key: 'party',
      label: t('field.party'),
      children: <Link to={partyPath(side, c.partyId)}>{c.partyName || c.partyCode || c.partyId}</Link>,
    },
    { key: 'currency', label: t('common.currency'), children: c.currency },
    { key: 'currentVersion', label: t('field.currentVersion'), children: `v${c.currentVersion}` },
    { key: 'signedOn', label: t('field.signedOn'), children: c.signedOn ? fmtDate(c.signedOn) : '—' },
    {
      key: 'total',
      label: t('field.total'),
      children: <Money value={current?.total ?? c.total ?? null} currency={c.currency} strong />,
    },
  ];

  return (
    <>
      <PageTitle back title={c.title} sub={<Tag>{c.number}</Tag>} />
      <Card style={{ marginBottom: 16 }}>
        <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} items={items} />
      </Card>
      <Card title={t('contract.versions')}>
        <Table<ContractVersion>
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={versions}
          scroll={{ x: 'max-content' }}
          data-testid="contract-versions"
          columns={[
            {
              key: 'version',
              dataIndex: 'version',
              title: t('field.version'),
              render: (v: number) => (
                <Typography.Text strong={v === c.currentVersion}>
                  v{v} {v === c.currentVersion && <Tag color="green">{t('field.currentVersion')}</Tag>}
                </Typography.Text>
              ),
            },
            { key: 'validFrom', dataIndex: 'validFrom', title: t('field.validFrom'), render: fmtDate },
            {
              key: 'total',
              dataIndex: 'total',
              title: t('field.total'),
              align: 'right',
              render: (v: string, r) => <Money value={v} currency={r.currency ?? c.currency} />,
            },
            {
              key: 'schedule',
              dataIndex: 'schedule',
              title: t('field.schedule'),
              render: (v: unknown, r) => <Schedule schedule={v} currency={r.currency ?? c.currency} />,
            },
            {
              key: 'invoiceCount',
              dataIndex: 'invoiceCount',
              title: t('field.invoiceCount'),
              align: 'right',
              render: (v: number | undefined) => orDash(v),
            },
            { key: 'note', dataIndex: 'note', title: t('field.note'), render: orDash },
          ]}
        />
      </Card>
    </>
  );
}
