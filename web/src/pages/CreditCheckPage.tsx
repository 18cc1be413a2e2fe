/**
 * 信用检查: customer + amount + stage → allow / warn / block with the reasons (zh/en), the
 * exposure behind them, and — when blocked — a request for an override (特批) that goes to the
 * approvals inbox. Below: the customers on credit hold.
 */
import { App as AntApp, Alert, Button, Card, DatePicker, Descriptions, Form, Input, List, Select, Space, Table, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { api, newIdempotencyKey } from '../api';
import { Money, PageTitle } from '../components/common';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';

interface Reason {
  code: string;
  severity: 'info' | 'warn' | 'block';
  zh: string;
  en: string;
}

interface CheckResult {
  decision: 'allow' | 'warn' | 'block';
  stage: string;
  customer: { id: string; code: string; name: string };
  currency: string;
  amount: string;
  amountCurrency: string;
  exposure: { open: string; unapplied: string; orders: string; document: string; total: string };
  limit: { amount: string; currency: string; kind: string; expiresOn: string | null } | null;
  available: string | null;
  overdue: string;
  oldestDaysOverdue: number;
  grade: string | null;
  reasons: Reason[];
  order: { id: string; externalRef: string } | null;
  hold: { id: string; since: string; reasonZh: string; reasonEn: string } | null;
  overrideUsed: { id: string; expiresOn: string } | null;
}

interface Hold {
  id: string;
  customer: { id: string; code: string; name: string };
  reasonZh: string;
  reasonEn: string;
  since: string;
  stage: string;
}

const DECISION_COLOR = { allow: 'success', warn: 'warning', block: 'error' } as const;

export default function CreditCheckPage() {
  const { t, locale } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm();
  const [overrideForm] = Form.useForm();
  const [result, setResult] = useState<CheckResult | null>(null);
  const [busy, setBusy] = useState(false);
  const holds = useApi<Hold[]>('/api/credit/holds', { open: 'true' });
  const zh = locale === 'zh-CN';

  const run = async (record: boolean) => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      const body = {
        partyCode: v.partyCode.trim(),
        amount: String(v.amount).trim(),
        currency: v.currency,
        stage: record ? 'order' : v.stage,
        ...(record ? { orderRef: v.orderRef?.trim() || `WEB-${Date.now()}` } : {}),
      };
      const r = await api.post<CheckResult>('/api/credit/check', body, { headers: { 'Idempotency-Key': newIdempotencyKey() } });
      setResult(r);
      overrideForm.setFieldsValue({ amount: r.amount, expiresOn: dayjs().add(7, 'day'), reason: '' });
      holds.reload();
    } finally {
      setBusy(false);
    }
  };

  const requestOverride = async () => {
    if (!result) return;
    const v = await overrideForm.validateFields();
    await api.post(
      '/api/credit/overrides',
      { partyId: result.customer.id, amount: String(v.amount).trim(), currency: result.amountCurrency, expiresOn: v.expiresOn.format('YYYY-MM-DD'), reason: v.reason },
      { headers: { 'Idempotency-Key': newIdempotencyKey() } },
    );
    message.success(t('credit.overrideRequested'));
  };

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <PageTitle title={t('credit.checkTitle')} sub={t('credit.checkHint')} />
      <Card>
        <Form form={form} layout="inline" initialValues={{ currency: 'CNY', stage: 'order' }} data-testid="check-form">
          <Form.Item name="partyCode" label={t('credit.customerCode')} rules={[{ required: true, message: t('credit.required') }]}>
            <Input style={{ width: 140 }} data-testid="check-party" />
          </Form.Item>
          <Form.Item name="amount" label={t('credit.amount')} rules={[{ required: true, pattern: /^\d+(\.\d+)?$/, message: t('credit.amountInvalid') }]}>
            <Input style={{ width: 140 }} data-testid="check-amount" />
          </Form.Item>
          <Form.Item name="currency" label={t('credit.currency')}>
            <Select style={{ width: 90 }} options={['CNY', 'USD', 'EUR', 'HKD', 'JPY', 'GBP'].map((c) => ({ value: c, label: c }))} />
          </Form.Item>
          <Form.Item name="stage" label={t('credit.stage')}>
            <Select style={{ width: 120 }} data-testid="check-stage" options={['order', 'delivery', 'invoice'].map((s) => ({ value: s, label: t(`credit.stage.${s}` as never) }))} />
          </Form.Item>
          <Form.Item name="orderRef" label={t('credit.orderRef')}>
            <Input style={{ width: 140 }} data-testid="check-order-ref" />
          </Form.Item>
          <Space>
            <Button onClick={() => run(false)} loading={busy} data-testid="check-run">
              {t('credit.check')}
            </Button>
            <Button type="primary" onClick={() => run(true)} loading={busy} data-testid="check-order">
              {t('credit.checkAndOrder')}
            </Button>
          </Space>
        </Form>
      </Card>

      {result && (
        <Card data-testid="check-result" data-decision={result.decision}>
          <Space direction="vertical" size={12} style={{ width: '100%' }}>
            <Alert
              type={DECISION_COLOR[result.decision]}
              showIcon
              data-testid="check-decision"
              message={
                <Space>
                  <strong>{t(`credit.decision.${result.decision}` as never)}</strong>
                  <span>
                    {result.customer.code} {result.customer.name} · <Money value={result.amount} currency={result.amountCurrency} />
                  </span>
                  {result.order && <Tag color="blue">{t('credit.orderRecorded', { ref: result.order.externalRef })}</Tag>}
                  {result.overrideUsed && <Tag color="purple">{t('credit.overrideUsed')}</Tag>}
                </Space>
              }
            />
            {result.reasons.length > 0 && (
            <List
              size="small"
              data-testid="check-reasons"
              dataSource={result.reasons}
              renderItem={(r) => (
                <List.Item>
                  <Tag color={r.severity === 'block' ? 'red' : r.severity === 'warn' ? 'orange' : 'default'}>{t(`credit.severity.${r.severity}` as never)}</Tag>
                  {zh ? r.zh : r.en}
                </List.Item>
              )}
            />
            )}
            <Descriptions size="small" column={{ xs: 1, sm: 2, md: 4 }} bordered>
              <Descriptions.Item label={t('credit.open')}>
                <Money value={result.exposure.open} currency={result.currency} />
              </Descriptions.Item>
              <Descriptions.Item label={t('credit.unapplied')}>
                <Money value={result.exposure.unapplied} currency={result.currency} />
              </Descriptions.Item>
              <Descriptions.Item label={t('credit.orders')}>
                <Money value={result.exposure.orders} currency={result.currency} />
              </Descriptions.Item>
              <Descriptions.Item label={t('credit.exposure')}>
                <Money value={result.exposure.total} currency={result.currency} strong testId="check-exposure" />
              </Descriptions.Item>
              <Descriptions.Item label={t('credit.limit')}>{result.limit ? <Money value={result.limit.amount} currency={result.limit.currency} /> : t('credit.noLimit')}</Descriptions.Item>
              <Descriptions.Item label={t('credit.available')}>{result.available ? <Money value={result.available} currency={result.currency} /> : '—'}</Descriptions.Item>
              <Descriptions.Item label={t('credit.overdue')}>
                <Money value={result.overdue} currency={result.currency} danger />
              </Descriptions.Item>
              <Descriptions.Item label={t('credit.oldestDays')}>{result.oldestDaysOverdue}</Descriptions.Item>
            </Descriptions>
            {result.hold && <Alert type="error" data-testid="check-hold" message={`${t('credit.onHold', { since: result.hold.since })} ${zh ? result.hold.reasonZh : result.hold.reasonEn}`} />}
            {result.decision === 'block' && (
              <Card size="small" title={t('credit.requestOverride')} data-testid="override-card">
                <Form form={overrideForm} layout="inline">
                  <Form.Item name="amount" label={t('credit.amount')} rules={[{ required: true, pattern: /^\d+(\.\d+)?$/, message: t('credit.amountInvalid') }]}>
                    <Input style={{ width: 140 }} data-testid="override-amount" />
                  </Form.Item>
                  <Form.Item name="expiresOn" label={t('credit.expiresOn')} rules={[{ required: true }]}>
                    <DatePicker />
                  </Form.Item>
                  <Form.Item name="reason" label={t('credit.reason')} rules={[{ required: true, message: t('credit.required') }]}>
                    <Input style={{ width: 240 }} data-testid="override-reason" />
                  </Form.Item>
                  <Button type="primary" danger onClick={requestOverride} data-testid="override-submit">
                    {t('credit.submitOverride')}
                  </Button>
                </Form>
              </Card>
            )}
          </Space>
        </Card>
      )}

      <Card title={t('credit.holds')}>
        <Table
          size="small"
          rowKey="id"
          data-testid="holds-table"
          loading={holds.loading}
          dataSource={holds.data ?? []}
          pagination={false}
          locale={{ emptyText: t('credit.noHolds') }}
          columns={[
            { title: t('credit.customer'), render: (_: unknown, h: Hold) => `${h.customer.code} ${h.customer.name}` },
            { title: t('credit.since'), dataIndex: 'since' },
            { title: t('credit.reason'), render: (_: unknown, h: Hold) => <Typography.Text>{zh ? h.reasonZh : h.reasonEn}</Typography.Text> },
          ]}
        />
      </Card>
    </Space>
  );
}
