import { ReloadOutlined } from '@ant-design/icons';
import { Button, Card, Col, DatePicker, Row, Statistic, Table, Typography } from 'antd';
import dayjs from 'dayjs';
import { lazy, Suspense, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import type { AgingBucket, DashboardSummary } from '../api';
import { ErrorResult, Loading, Money, PageTitle } from '../components/common';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';

const AgingChart = lazy(() => import('../components/AgingChart'));

export default function HomePage() {
  const { t, locale } = useI18n();
  const [asOf, setAsOf] = useState<string>('');
  const { data, loading, error, reload } = useApi<DashboardSummary>('/api/dashboard/summary', { asOf });
  const navigate = useNavigate();
  // The bars and the bucket rows open the aging report on the same date, currency and buckets.
  const agingLink = (bucket?: string) =>
    `/aging?${new URLSearchParams({ ...(data ? { asOf: data.asOf, currency: data.currency } : {}), by: 'customer', ...(bucket ? { bucket } : {}) })}`;

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
            <Button icon={<ReloadOutlined />} onClick={reload} aria-label={t('common.refresh')} title={t('common.refresh')} />
          </>
        }
      />
      {error && !data ? (
        <ErrorResult error={error} onRetry={reload} />
      ) : (
        <>
          <Row gutter={[16, 16]}>
            <Col xs={24} sm={12} xl={6}>
              <Card loading={loading && !data}>
                <Statistic title={t('dash.receivable')} formatter={() => money(data?.receivable, 'dash-receivable')} />
              </Card>
            </Col>
            <Col xs={24} sm={12} xl={6}>
              <Card loading={loading && !data}>
                <Statistic title={t('dash.overdue')} formatter={() => money(data?.overdue, 'dash-overdue', true)} />
              </Card>
            </Col>
            <Col xs={24} sm={12} xl={6}>
              <Card loading={loading && !data}>
                <Statistic title={t('dash.unapplied')} formatter={() => money(data?.unapplied, 'dash-unapplied')} />
              </Card>
            </Col>
            <Col xs={24} sm={12} xl={6}>
              <Card loading={loading && !data}>
                <Row gutter={8}>
                  <Col span={12}>
                    <Statistic
                      title={t('dash.customerCount')}
                      formatter={() => <span data-testid="dash-customer-count">{data?.customerCount ?? '—'}</span>}
                    />
                  </Col>
                  <Col span={12}>
                    <Statistic
                      title={t('dash.overdueCustomerCount')}
                      formatter={() => (
                        <span data-testid="dash-overdue-customer-count" style={{ color: data?.overdueCustomerCount ? '#cf1322' : undefined }}>
                          {data?.overdueCustomerCount ?? '—'}
                        </span>
                      )}
                    />
                  </Col>
                </Row>
              </Card>
            </Col>
          </Row>
          <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
            <Col xs={24} lg={14}>
              <Card
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
              <Card title={t('dash.agingDetail')} loading={loading && !data}>
                <Table<AgingBucket>
                  className="clickable-rows"
                  onRow={(b) => ({ onClick: () => navigate(agingLink(b.key)) })}
                  size="small"
                  rowKey="key"
                  pagination={false}
                  dataSource={data?.aging ?? []}
                  scroll={{ x: 'max-content' }}
                  columns={[
                    {
                      key: 'label',
                      title: t('dash.bucket'),
                      render: (_, b) => (locale === 'zh-CN' ? b.labelZh : b.labelEn),
                    },
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
        </>
      )}
    </>
  );
}
