/**
 * 账龄分析: the aging report at any date. The choices live in the URL (as-of date, AR/AP, basis,
 * bucket set, up to two dimensions, currency) so that a report can be bookmarked, shared and
 * linked to from the home page; a click on an amount opens the installments behind it.
 */
import { DownloadOutlined, ReloadOutlined } from '@ant-design/icons';
import { Button, Card, DatePicker, Flex, Input, Segmented, Select, Space, Typography } from 'antd';
import dayjs from 'dayjs';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { Side } from '../api';
import AgingCellDrawer from '../components/AgingCellDrawer';
import ReportSubscribe from '../components/ReportSubscribe';
import {
  AGING_DIMS,
  type AgingBasis,
  type AgingDim,
  type AgingDoc,
  type AgingQuery,
  AgingReportTable,
  agingSearch,
  type CellTarget,
  dimTitleKey,
} from '../components/AgingReport';
import { ErrorResult, Loading, PageTitle } from '../components/common';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';

const AgingStackedChart = lazy(() => import('../components/AgingStackedChart'));

const isDim = (v: string): v is AgingDim => (AGING_DIMS as readonly string[]).includes(v);
const CURRENCIES = ['CNY', 'USD', 'EUR', 'HKD', 'JPY', 'GBP'];

function readQuery(params: URLSearchParams): AgingQuery {
  const by = (params.get('by') ?? 'customer')
    .split(',')
    .map((s) => s.trim())
    .filter(isDim)
    .slice(0, 2);
  const side: Side = params.get('side') === 'AP' ? 'AP' : 'AR';
  const basis: AgingBasis = params.get('basis') === 'invoice' ? 'invoice' : 'due';
  return {
    asOf: params.get('asOf') ?? '',
    side,
    basis,
    buckets: params.get('buckets') || 'chinese',
    by: params.get('by') === '' ? [] : by,
    currency: params.get('currency') || 'all',
  };
}

export default function AgingPage() {
  const { t, locale } = useI18n();
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => readQuery(params), [params]);
  const focus = params.get('bucket') ?? undefined;
  const update = useCallback(
    (patch: Record<string, string | undefined>) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(patch)) {
            if (v === undefined) next.delete(k);
            else next.set(k, v);
          }
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  const url = `/api/aging?${agingSearch(query).toString()}`;
  const { data, loading, error, reload } = useApi<AgingDoc>(url);
  const [target, setTarget] = useState<CellTarget | null>(null);

  const named = query.buckets === 'chinese' || query.buckets === 'short';
  const [customOpen, setCustomOpen] = useState(!named);
  const [spec, setSpec] = useState(named ? '' : query.buckets);
  useEffect(() => {
    if (!named) setSpec(query.buckets);
  }, [named, query.buckets]);
  const applySpec = () => {
    const text = spec.trim();
    if (text && text !== query.buckets) update({ buckets: text, bucket: undefined });
  };

  const dimOptions = (exclude?: AgingDim) =>
    AGING_DIMS.filter((d) => d !== exclude).map((d) => ({ value: d, label: t(dimTitleKey(d, query.side)) }));
  const setDims = (dims: (AgingDim | undefined)[]) => update({ by: dims.filter((d): d is AgingDim => !!d).join(',') });

  const fileUrl = (format: 'csv' | 'xlsx' | 'pdf') => `/api/aging?${agingSearch(query, { format, lang: locale }).toString()}`;
  const chartCurrency = data?.totals[0]?.currency;
  const openCell = useCallback((c: CellTarget) => setTarget(c), []);

  return (
    <>
      <PageTitle
        title={t('nav.aging')}
        sub={
          data && (
            <Typography.Text type="secondary" data-testid="aging-asof">
              {t('common.asOf')} {data.asOf}
            </Typography.Text>
          )
        }
        extra={
          <>
            <Button icon={<DownloadOutlined />} href={fileUrl('xlsx')} data-testid="aging-export-xlsx">
              {t('aging.exportXlsx')}
            </Button>
            <Button icon={<DownloadOutlined />} href={fileUrl('csv')} data-testid="aging-export-csv">
              {t('aging.exportCsv')}
            </Button>
            <Button icon={<DownloadOutlined />} href={fileUrl('pdf')} data-testid="aging-export-pdf">
              {t('aging.exportPdf')}
            </Button>
            <ReportSubscribe query={query} />
            <Button icon={<ReloadOutlined />} onClick={reload} aria-label={t('common.refresh')} title={t('common.refresh')} />
          </>
        }
      />
      <Flex wrap gap={8} className="toolbar" align="center">
        <div style={{ flex: '1 1 140px', minWidth: 0 }}>
          <DatePicker
            allowClear
            style={{ width: '100%' }}
            placeholder={t('common.asOf')}
            aria-label={t('common.asOf')}
            value={query.asOf ? dayjs(query.asOf) : null}
            onChange={(d) => update({ asOf: d ? d.format('YYYY-MM-DD') : undefined })}
            data-testid="aging-asof-picker"
          />
        </div>
        <div style={{ flex: '0 0 auto' }}>
          <Segmented<Side>
            value={query.side}
            onChange={(v) => update({ side: v })}
            options={[
              { value: 'AR', label: t('side.AR') },
              { value: 'AP', label: t('side.AP') },
            ]}
            data-testid="aging-side"
          />
        </div>
        <div style={{ flex: '1 1 180px', minWidth: 0 }}>
          <Select<AgingBasis>
            style={{ width: '100%' }}
            aria-label={t('aging.basis')}
            value={query.basis}
            onChange={(v) => update({ basis: v, bucket: undefined })}
            options={[
              { value: 'due', label: t('aging.basis.due') },
              { value: 'invoice', label: t('aging.basis.invoice') },
            ]}
            data-testid="aging-basis"
          />
        </div>
        <div style={{ flex: '1 1 180px', minWidth: 0 }}>
          <Select<string>
            style={{ width: '100%' }}
            aria-label={t('aging.buckets')}
            value={named && !customOpen ? query.buckets : 'custom'}
            onChange={(v) => {
              if (v === 'custom') setCustomOpen(true);
              else {
                setCustomOpen(false);
                update({ buckets: v, bucket: undefined });
              }
            }}
            options={[
              { value: 'chinese', label: t('aging.buckets.chinese') },
              { value: 'short', label: t('aging.buckets.short') },
              { value: 'custom', label: t('aging.buckets.custom') },
            ]}
            data-testid="aging-buckets"
          />
        </div>
        {(customOpen || !named) && (
          <div style={{ flex: '1 1 180px', minWidth: 0 }}>
            <Input
              allowClear
              placeholder={t('aging.customPlaceholder')}
              aria-label={t('aging.buckets.custom')}
              value={spec}
              onChange={(e) => setSpec(e.target.value)}
              onPressEnter={applySpec}
              onBlur={applySpec}
              data-testid="aging-spec"
            />
          </div>
        )}
        <div style={{ flex: '1 1 120px', minWidth: 0 }}>
          <Select<AgingDim>
            allowClear
            style={{ width: '100%' }}
            placeholder={t('aging.groupBy')}
            aria-label={t('aging.groupBy')}
            value={query.by[0]}
            onChange={(v) => setDims([v, v ? query.by[1] : undefined])}
            options={dimOptions(query.by[1])}
            data-testid="aging-dim1"
          />
        </div>
        <div style={{ flex: '1 1 120px', minWidth: 0 }}>
          <Select<AgingDim>
            allowClear
            style={{ width: '100%' }}
            placeholder={t('aging.thenBy')}
            aria-label={t('aging.thenBy')}
            disabled={!query.by[0]}
            value={query.by[1]}
            onChange={(v) => setDims([query.by[0], v])}
            options={dimOptions(query.by[0])}
            data-testid="aging-dim2"
          />
        </div>
        <div style={{ flex: '1 1 130px', minWidth: 0 }}>
          <Select<string>
            style={{ width: '100%' }}
            aria-label={t('common.currency')}
            value={query.currency}
            onChange={(v) => update({ currency: v })}
            options={[
              { value: 'all', label: t('aging.currency.all') },
              { value: 'base', label: t('aging.currency.base') },
              ...CURRENCIES.map((c) => ({ value: c, label: c })),
            ]}
            data-testid="aging-currency"
          />
        </div>
      </Flex>
      {error && !data ? (
        <ErrorResult error={error} onRetry={reload} />
      ) : (
        <Space orientation="vertical" size={16} style={{ width: '100%' }}>
          {data && chartCurrency && data.dims.length > 0 && data.rows.length > 0 && (
            <Card size="small" title={t('aging.chartTitle', { n: Math.min(10, data.rows.filter((r) => r.currency === chartCurrency).length), currency: chartCurrency })}>
              <Suspense fallback={<Loading />}>
                <AgingStackedChart doc={data} currency={chartCurrency} onCell={openCell} />
              </Suspense>
            </Card>
          )}
          <Card
            size="small"
            title={t('aging.tableTitle')}
            extra={
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('aging.cellHint')}
              </Typography.Text>
            }
            styles={{ body: { padding: 0 } }}
          >
            <AgingReportTable doc={data} loading={loading} focus={focus} onCell={openCell} />
          </Card>
          {data?.fxRates.map((f) => (
            <Typography.Text key={`${f.from}${f.to}`} type="secondary" style={{ fontSize: 12 }}>
              {t('aging.fxRate', { from: f.from, to: f.to, rate: f.rate, date: f.rateDate })}
            </Typography.Text>
          ))}
        </Space>
      )}
      <AgingCellDrawer query={{ ...query, asOf: data?.asOf ?? query.asOf }} doc={data} target={target} onClose={() => setTarget(null)} />
    </>
  );
}
