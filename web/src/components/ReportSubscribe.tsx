/**
 * 订阅周报: subscribe to this aging report (its dimensions, basis and buckets) as a weekly e-mail
 * with the PDF and the XLSX attached; see, test and cancel one's subscriptions.
 */
import { MailOutlined } from '@ant-design/icons';
import { App as AntApp, Button, Form, InputNumber, List, Modal, Select, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { api, newIdempotencyKey, request } from '../api';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import type { AgingQuery } from './AgingReport';

interface Subscription {
  id: string;
  weekday: number;
  hour: number;
  timeZone: string;
  recipients: string[];
  options: { by?: string[]; basis?: string; buckets?: string; side?: string };
  lastDeliveries: { period: string; status: string; sentAt: string | null; error: string | null }[];
}

const WEEKDAYS_ZH = ['周一', '周二', '周三', '周四', '周五', '周六', '周日'];
const WEEKDAYS_EN = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export default function ReportSubscribe({ query }: { query: AgingQuery }) {
  const { t, locale } = useI18n();
  const { message } = AntApp.useApp();
  const [open, setOpen] = useState(false);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<{ weekday: number; hour: number; recipients: string[] }>();
  const subs = useApi<Subscription[]>(open ? '/api/reports/subscriptions' : null);
  const days = locale === 'zh-CN' ? WEEKDAYS_ZH : WEEKDAYS_EN;

  const save = async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      await api.post(
        '/api/reports/subscriptions',
        {
          weekday: v.weekday,
          hour: v.hour,
          recipients: v.recipients,
          options: { by: query.by, basis: query.basis, buckets: query.buckets, side: query.side, currency: query.currency, locale },
        },
        { headers: { 'Idempotency-Key': newIdempotencyKey() } },
      );
      message.success(t('reports.subscribed'));
      form.resetFields(['recipients']);
      subs.reload();
    } finally {
      setSaving(false);
    }
  };
  const remove = async (id: string) => {
    await request(`/api/reports/subscriptions/${id}`, { method: 'DELETE' });
    subs.reload();
  };
  const sendNow = async (id: string) => {
    const r = await api.post<{ outcome: string }>(`/api/reports/subscriptions/${id}/send-now`);
    if (r.outcome === 'sent') message.success(t('reports.sent'));
    else message.error(t('reports.failed'));
    subs.reload();
  };

  return (
    <>
      <Button icon={<MailOutlined />} onClick={() => setOpen(true)} data-testid="aging-subscribe">
        {t('reports.subscribe')}
      </Button>
      <Modal open={open} title={t('reports.title')} onCancel={() => setOpen(false)} footer={null} destroyOnHidden width={560}>
        <Typography.Paragraph type="secondary">{t('reports.explain')}</Typography.Paragraph>
        <Form form={form} layout="vertical" initialValues={{ weekday: 1, hour: 8, recipients: [] }} data-testid="subscribe-form">
          <Space wrap>
            <Form.Item name="weekday" label={t('reports.weekday')} rules={[{ required: true }]}>
              <Select style={{ width: 140 }} options={days.map((d, i) => ({ value: i + 1, label: d }))} />
            </Form.Item>
            <Form.Item name="hour" label={t('reports.hour')} rules={[{ required: true }]}>
              <InputNumber min={0} max={23} addonAfter=":00" style={{ width: 120 }} />
            </Form.Item>
          </Space>
          <Form.Item name="recipients" label={t('reports.recipients')} rules={[{ required: true, type: 'array', min: 1, message: t('reports.recipientsRequired') }]}>
            <Select mode="tags" tokenSeparators={[',', ';', ' ', '，', '；']} placeholder="cfo@example.com" data-testid="subscribe-recipients" open={false} />
          </Form.Item>
          <Button type="primary" onClick={save} loading={saving} data-testid="subscribe-save">
            {t('reports.save')}
          </Button>
        </Form>
        <List
          style={{ marginTop: 16 }}
          header={<Typography.Text strong>{t('reports.mine')}</Typography.Text>}
          loading={subs.loading}
          dataSource={subs.data ?? []}
          locale={{ emptyText: t('reports.none') }}
          renderItem={(s) => (
            <List.Item
              data-testid="subscription-item"
              actions={[
                <Button key="send" size="small" onClick={() => sendNow(s.id)}>
                  {t('reports.sendNow')}
                </Button>,
                <Button key="delete" size="small" danger onClick={() => remove(s.id)}>
                  {t('reports.cancel')}
                </Button>,
              ]}
            >
              <List.Item.Meta
                title={`${days[s.weekday - 1]} ${String(s.hour).padStart(2, '0')}:00 (${s.timeZone})`}
                description={
                  <Space wrap size={4}>
                    {s.recipients.map((r) => (
                      <Tag key={r}>{r}</Tag>
                    ))}
                    {s.lastDeliveries[0] && (
                      <Tag color={s.lastDeliveries[0].status === 'sent' ? 'green' : s.lastDeliveries[0].status === 'failed' ? 'red' : 'blue'}>
                        {s.lastDeliveries[0].period} {s.lastDeliveries[0].status}
                      </Tag>
                    )}
                  </Space>
                }
              />
            </List.Item>
          )}
        />
      </Modal>
    </>
  );
}
