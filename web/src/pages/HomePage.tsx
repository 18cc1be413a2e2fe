/**
 * 首页看板: the managers' dashboard from one request (GET /api/dashboard): totals, KPI cards with
 * month-over-month change, the aging buckets, a 12/24-month trend of receivables, overdue and
 * DSO, the most overdue customers and a risk heat-grid by region and province. Every chart opens
 * the list or report behind it. Sub-components live in ./home/.
 */
import { ReloadOutlined } from '@ant-design/icons';
import { Button, Card, Col, DatePicker, Row, Segmented, Statistic, Table, Typography } from 'antd';
import dayjs from 'dayjs';
import { lazy, Suspense, useCallback, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import type { AgingBucket } from '../api';
import { ErrorResult, Loading, Money, PageTitle } from '../components/common';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { KpiGrid } from './home/KpiGrid';
import { RiskGrid } from './home/RiskGrid';
import type { DashboardDoc } from './home/types';

const AgingChart = lazy(() => import('../components/AgingChart'));
const TrendChart = lazy(() => import('./home/TrendChart'));

export default function HomePage() {
  const { t, locale } = useI18n();
  const [asOf, setAsOf] = useState<string>('');
  const [months, setMonths] = useState<number>(12);
  const { data, loading, error, reload } = useApi<DashboardDoc>('/api/dashboard', { asOf, months });
  const navigate = useNavigate();
  const dataAsOf = data?.asOf;
  const dataCurrency = data?.currency;
  // The bars and the bucket rows open the aging report on the same date, currency and buckets.
  const agingLink = (bucket?: string) =>
    `/aging?${new URLSearchParams({ ...(dataAsOf && dataCurrency ? { asOf: dataAsOf, currency: dataCurrency } : {}), by: 'customer', ...(bucket ? { bucket } : {}) })}`;
  // A trend month opens the aging report as of that month's closing date.
  const onMonth = useCallback(
    (to: string) => navigate(`/aging?${new URLSearchParams({ asOf: to, currency: dataCurrency ?? 'CNY', by: 'customer' })}`),
    [navigate, dataCurrency],
  );
  const totals = data?.totals;

  const money = (value: string | undefined, testId: string, danger = false) => (
    <Money value={value} currency={data?.currency} testId={testId} danger={danger} />
  );

  return (
    <>
      <PageTitle
        title={t('nav.home')}
        sub={
          data && (
            <Typography.Text type="secondary">
              {t('dash.baseCurrency', { currency: data.currency })} · {t('common.asOf')} {data.asOf}
            </Typography.Text>
          )
        }
        extra={
          <>
            <DatePicker
              allowClear
              placeholder={t('common.asOf')}
              value={asOf ? dayjs(asOf) : null}
              onChange={(d) => setAsOf(d ? d.format('YYYY-MM-DD') : '')}
              data-testid="dash-asof"
            />
            <Segmented
              value={months}
              onChange={(v) => setMonths(Number(v))}
              options={[12, 24].map((m) => ({ value: m, label: t('home.months', { count: m }) }))}
              data-testid="dash-months"
            />
            <Button icon={<ReloadOutlined />} onClick={reload} aria-label={t('common.refresh')} title={t('common.refresh')} />
          </>
        }
      />
      {error && !data ? (
        <ErrorResult error={error} onRetry={reload} />
      ) : (
        <>
          <Row gutter={[12, 12]}>
            <Col xs={12} sm={12} xl={6}>
              <Card size="small" loading={loading && !data} hoverable onClick={() => navigate(agingLink())}>
                <Statistic title={t('dash.receivable')} formatter={() => money(totals?.receivable, 'dash-receivable')} />
              </Card>
            </Col>
            <Col xs={12} sm={12} xl={6}>
              <Card size="small" loading={loading && !data} hoverable onClick={() => navigate('/invoices?status=overdue')}>
                <Statistic title={t('dash.overdue')} formatter={() => money(totals?.overdue, 'dash-overdue', true)} />
              </Card>
            </Col>
            <Col xs={12} sm={12} xl={6}>
              <Card size="small" loading={loading && !data} hoverable onClick={() => navigate('/receipts')}>
                <Statistic title={t('dash.unapplied')} formatter={() => money(totals?.unapplied, 'dash-unapplied')} />
              </Card>
            </Col>
            <Col xs={12} sm={12} xl={6}>
              <Card size="small" loading={loading && !data} hoverable onClick={() => navigate('/customers')}>
                <Row gutter={8}>
                  <Col span={12}>
                    <Statistic title={t('dash.customerCount')} formatter={() => <span data-testid="dash-customer-count">{totals?.customerCount ?? '—'}</span>} />
                  </Col>
                  <Col span={12}>
                    <Statistic
                      title={t('dash.overdueCustomerCount')}
                      formatter={() => (
                        <span data-testid="dash-overdue-customer-count" style={{ color: totals?.overdueCustomerCount ? '#cf1322' : undefined }}>
                          {totals?.overdueCustomerCount ?? '—'}
                        </span>
                      )}
                    />
                  </Col>
                </Row>
              </Card>
            </Col>
          </Row>
          <Card title={t('home.kpis')} size="small" style={{ marginTop: 12 }} loading={loading && !data}>
            {data && <KpiGrid doc={data} onOpen={(path) => navigate(path)} />}
          </Card>
          <Row gutter={[12, 12]} style={{ marginTop: 12 }}>
            <Col xs={24} lg={14}>
              <Card
                size="small"
                title={t('dash.aging')}
                loading={loading && !data}
                extra={
                  <Link to={agingLink()} data-testid="dash-open-aging">
                    {t('dash.openAging')}
                  </Link>
                }
              >
                {data && (
                  <Suspense fallback={<Loading />}>
                    <AgingChart aging={data.aging} currency={data.currency} onBucketClick={(key) => navigate(agingLink(key))} />
                  </Suspense>
                )}
              </Card>
            </Col>
            <Col xs={24} lg={10}>
              <Card size="small" title={t('dash.agingDetail')} loading={loading && !data}>
                <Table<AgingBucket>
                  className="clickable-rows"
                  onRow={(b) => ({ onClick: () => navigate(agingLink(b.key)) })}
                  size="small"
                  rowKey="key"
                  pagination={false}
                  dataSource={data?.aging ?? []}
                  columns={[
                    { key: 'label', title: t('dash.bucket'), render: (_, b) => (locale === 'zh-CN' ? b.labelZh : b.labelEn) },
                    {
                      key: 'amount',
                      title: t('field.amount'),
                      align: 'right',
                      render: (_, b) => <Money value={b.amount} currency={data?.currency} testId={`aging-${b.key}`} />,
                    },
                  ]}
                />
              </Card>
            </Col>
          </Row>
          <Row gutter={[12, 12]} style={{ marginTop: 12 }}>
            <Col xs={24} xl={14}>
              <Card
                size="small"
                title={t('home.trend')}
                loading={loading && !data}
              >
                {data && (
                  <Suspense fallback={<Loading />}>
                    <TrendChart trend={data.kpis.trend} currency={data.currency} onMonthClick={onMonth} />
                  </Suspense>
                )}
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('home.trendHint')}
                </Typography.Text>
              </Card>
            </Col>
            <Col xs={24} xl={10}>
              <Card size="small" title={t('home.risk')} loading={loading && !data}>
                <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
                  {t('home.riskHint')}
                </Typography.Paragraph>
                {data && (
                  <RiskGrid
                    doc={data}
                    onRegion={(region) => navigate(`/customers?${new URLSearchParams({ region })}`)}
                    onProvince={() => navigate(`/aging?${new URLSearchParams({ asOf: data.asOf, currency: data.currency, by: 'province,customer' })}`)}
                  />
                )}
              </Card>
            </Col>
          </Row>
          <Card size="small" title={t('home.topOverdue')} style={{ marginTop: 12 }} loading={loading && !data}>
            <Table<DashboardDoc['topOverdue'][number]>
              className="clickable-rows"
              data-testid="top-overdue"
              onRow={(c) => ({ onClick: () => navigate(`/customers/${c.id}`), 'data-testid': `top-overdue-${c.code}` }) as never}
              size="small"
              rowKey="id"
              pagination={false}
              dataSource={data?.topOverdue ?? []}
              scroll={{ x: 'max-content' }}
              columns={[
                { key: 'name', title: t('field.name'), render: (_, c) => <Link to={`/customers/${c.id}`}>{c.name}</Link> },
                { key: 'region', title: t('field.region'), render: (_, c) => [c.region, c.province].filter(Boolean).join(' · ') },
                { key: 'overdue', title: t('field.overdue'), align: 'right', render: (_, c) => <Money value={c.overdue} currency={data?.currency} danger /> },
                { key: 'open', title: t('field.openBalance'), align: 'right', render: (_, c) => <Money value={c.open} currency={data?.currency} /> },
                { key: 'ratio', title: t('home.overdueRatioCol'), align: 'right', render: (_, c) => (c.overdueRatio === null ? '—' : `${c.overdueRatio}%`) },
                { key: 'util', title: t('home.utilCol'), align: 'right', render: (_, c) => (c.creditUtilisation === null ? '—' : `${c.creditUtilisation}%`) },
              ]}
            />
          </Card>
        </>
      )}
    </>
  );
}
