/**
 * 催收工作台: the collector's queue (broken and due promises first, then by expected loss or days
 * overdue × amount), and for the customer picked: their overdue invoices, the contact log, and the
 * three things a collector does — log a call or visit, record a promise to pay, open a dispute on
 * an invoice. A promise or a dispute pauses dunning of what it covers (docs/collections.md).
 */
import { ReloadOutlined } from '@ant-design/icons';
import { App as AntApp, Button, Card, Col, DatePicker, Drawer, Form, Input, InputNumber, List, Row, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, newIdempotencyKey, normalizePage } from '../api';
import { ErrorResult, Loading, Money, PageTitle, StatusTag } from '../components/common';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';

interface WorkItem {
  rank: number;
  customer: { id: string; code: string; name: string; region: string };
  promise: 'broken' | 'due' | null;
  basis: string;
  rankCurrency: string;
  open: string;
  overdue: string;
  maxDaysOverdue: number;
  explanation: string;
}

interface InvoiceRow {
  id: string;
  number: string;
  issueDate: string;
  dueDate: string;
  currency: string;
  total: string;
  open: string;
  status: string;
  daysOverdue: number;
}

interface Contact {
  id: string;
  kind: string;
  outcome: string | null;
  note: string;
  contactAt: string;
  followUpOn: string | null;
  by: string | null;
}

const DISPUTE_REASONS = ['price', 'quantity', 'quality', 'not_received', 'duplicate', 'other'] as const;

function CustomerWork({ item, onChanged }: { item: WorkItem; onChanged: () => void }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const id = item.customer.id;
  const invoices = useApi<{ items: InvoiceRow[] } | InvoiceRow[]>('/api/invoices', { side: 'AR', partyId: id, status: 'overdue', pageSize: 100 });
  const contacts = useApi<Contact[]>(`/api/collections/customers/${id}/contacts`);
  const [contactForm] = Form.useForm();
  const [promiseForm] = Form.useForm();
  const [disputeForm] = Form.useForm();
  const rows = normalizePage(invoices.data as never).items as InvoiceRow[];
  const currency = rows[0]?.currency ?? item.rankCurrency;
  const post = async (path: string, body: unknown, done: string) => {
    await api.post(path, body, { headers: { 'Idempotency-Key': newIdempotencyKey() } });
    message.success(done);
    contacts.reload();
    invoices.reload();
    onChanged();
  };

  const logContact = async () => {
    const v = await contactForm.validateFields();
    await post(`/api/collections/customers/${id}/contacts`, { kind: v.kind, outcome: v.outcome ?? null, note: v.note, followUpOn: v.followUpOn ? v.followUpOn.format('YYYY-MM-DD') : null }, t('collections.logged'));
    contactForm.resetFields(['note', 'followUpOn']);
  };
  const recordPromise = async () => {
    const v = await promiseForm.validateFields();
    await post('/api/collections/promises', { partyId: id, amount: String(v.amount), currency, promisedDate: v.promisedDate.format('YYYY-MM-DD'), note: v.note ?? null }, t('collections.promised'));
    await api.post(`/api/collections/customers/${id}/contacts`, { kind: 'call', outcome: 'promised', note: `${t('collections.promiseNote')} ${v.amount} ${currency} → ${v.promisedDate.format('YYYY-MM-DD')}` });
    contacts.reload();
    promiseForm.resetFields();
  };
  const openDispute = async () => {
    const v = await disputeForm.validateFields();
    const reason = `${t(`collections.reason.${v.reason}` as never)}${v.note ? `：${v.note}` : ''}`;
    await post(`/api/invoices/${v.invoiceId}/disputes`, { reason }, t('collections.disputed'));
    disputeForm.resetFields();
  };

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Space wrap>
        <Typography.Text>{t('collections.overdue')}</Typography.Text>
        <Money value={item.overdue} currency={item.rankCurrency} danger strong testId="work-overdue" />
        <Typography.Text type="secondary">
          {t('collections.maxDays')} {item.maxDaysOverdue}
        </Typography.Text>
        <Link to={`/customers/${id}`}>{t('collections.openCustomer')}</Link>
      </Space>
      <Table
        size="small"
        rowKey="id"
        loading={invoices.loading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: 520 }}
        data-testid="work-invoices"
        columns={[
          { title: t('field.number'), dataIndex: 'number', render: (v: string, r) => <Link to={`/invoices/${r.id}`}>{v}</Link> },
          { title: t('field.dueDate'), dataIndex: 'dueDate' },
          { title: t('field.open'), dataIndex: 'open', align: 'right', render: (v: string, r) => <Money value={v} currency={r.currency} /> },
          { title: t('field.daysOverdue'), dataIndex: 'daysOverdue', align: 'right' },
          { title: t('field.status'), dataIndex: 'status', render: (s: string) => <StatusTag status={s} /> },
        ]}
      />
      <Tabs
        items={[
          {
            key: 'contact',
            label: t('collections.logContact'),
            children: (
              <Form form={contactForm} layout="vertical" initialValues={{ kind: 'call', outcome: 'reached' }} data-testid="contact-form">
                <Space wrap>
                  <Form.Item name="kind" label={t('collections.kind')}>
                    <Select style={{ width: 140 }} options={['call', 'visit', 'email', 'message', 'note'].map((k) => ({ value: k, label: t(`collections.kind.${k}` as never) }))} />
                  </Form.Item>
                  <Form.Item name="outcome" label={t('collections.outcome')}>
                    <Select style={{ width: 160 }} options={['reached', 'no_answer', 'promised', 'disputed', 'refused', 'wrong_contact', 'other'].map((k) => ({ value: k, label: t(`collections.outcome.${k}` as never) }))} />
                  </Form.Item>
                  <Form.Item name="followUpOn" label={t('collections.followUp')}>
                    <DatePicker />
                  </Form.Item>
                </Space>
                <Form.Item name="note" label={t('collections.note')} rules={[{ required: true, message: t('collections.noteRequired') }]}>
                  <Input.TextArea rows={2} data-testid="contact-note" />
                </Form.Item>
                <Button type="primary" onClick={logContact} data-testid="contact-save">
                  {t('collections.save')}
                </Button>
              </Form>
            ),
          },
          {
            key: 'promise',
            label: t('collections.promise'),
            children: (
              <Form form={promiseForm} layout="vertical" data-testid="promise-form">
                <Space wrap>
                  <Form.Item name="amount" label={`${t('collections.amount')} (${currency})`} rules={[{ required: true }]}>
                    <InputNumber min={0.01} precision={2} style={{ width: 180 }} data-testid="promise-amount" />
                  </Form.Item>
                  <Form.Item name="promisedDate" label={t('collections.promisedDate')} rules={[{ required: true }]}>
                    <DatePicker disabledDate={(d) => d.isBefore(dayjs(), 'day')} data-testid="promise-date" />
                  </Form.Item>
                </Space>
                <Form.Item name="note" label={t('collections.note')}>
                  <Input />
                </Form.Item>
                <Button type="primary" onClick={recordPromise} data-testid="promise-save">
                  {t('collections.save')}
                </Button>
              </Form>
            ),
          },
          {
            key: 'dispute',
            label: t('collections.dispute'),
            children: (
              <Form form={disputeForm} layout="vertical" initialValues={{ reason: 'price' }} data-testid="dispute-form">
                <Space wrap>
                  <Form.Item name="invoiceId" label={t('field.number')} rules={[{ required: true }]}>
                    <Select style={{ width: 200 }} options={rows.map((r) => ({ value: r.id, label: r.number }))} data-testid="dispute-invoice" />
                  </Form.Item>
                  <Form.Item name="reason" label={t('collections.reason')}>
                    <Select style={{ width: 160 }} options={DISPUTE_REASONS.map((r) => ({ value: r, label: t(`collections.reason.${r}` as never) }))} />
                  </Form.Item>
                </Space>
                <Form.Item name="note" label={t('collections.note')}>
                  <Input />
                </Form.Item>
                <Button type="primary" onClick={openDispute} data-testid="dispute-save">
                  {t('collections.save')}
                </Button>
              </Form>
            ),
          },
        ]}
      />
      <List
        header={<Typography.Text strong>{t('collections.history')}</Typography.Text>}
        loading={contacts.loading}
        dataSource={contacts.data ?? []}
        locale={{ emptyText: t('collections.noHistory') }}
        data-testid="contact-history"
        renderItem={(c) => (
          <List.Item>
            <List.Item.Meta
              title={
                <Space wrap size={4}>
                  <Tag>{t(`collections.kind.${c.kind}` as never)}</Tag>
                  {c.outcome && <Tag color="blue">{t(`collections.outcome.${c.outcome}` as never)}</Tag>}
                  <Typography.Text type="secondary">
                    {dayjs(c.contactAt).format('YYYY-MM-DD HH:mm')} · {c.by}
                  </Typography.Text>
                  {c.followUpOn && <Tag color="orange">{`${t('collections.followUp')} ${c.followUpOn}`}</Tag>}
                </Space>
              }
              description={c.note}
            />
          </List.Item>
        )}
      />
    </Space>
  );
}

export default function CollectionsPage() {
  const { t } = useI18n();
  const worklist = useApi<WorkItem[]>('/api/collections/worklist', { limit: 200 });
  const [picked, setPicked] = useState<WorkItem | null>(null);
  if (worklist.error) return <ErrorResult error={worklist.error} onRetry={worklist.reload} />;
  return (
    <>
      <PageTitle title={t('nav.collections')} extra={<Button icon={<ReloadOutlined />} onClick={worklist.reload} aria-label={t('common.refresh')} />} />
      <Row gutter={[16, 16]}>
        <Col span={24}>
          <Card size="small" title={t('collections.queue')} extra={<Typography.Text type="secondary">{t('collections.queueHint')}</Typography.Text>}>
            {worklist.loading && !worklist.data ? (
              <Loading />
            ) : (
              <Table
                size="small"
                rowKey={(r) => r.customer.id}
                dataSource={worklist.data ?? []}
                pagination={{ pageSize: 20, showSizeChanger: false }}
                scroll={{ x: 640 }}
                data-testid="worklist"
                onRow={(r) => ({ onClick: () => setPicked(r), style: { cursor: 'pointer' } })}
                columns={[
                  { title: '#', dataIndex: 'rank', width: 50 },
                  {
                    title: t('field.customer'),
                    render: (_: unknown, r) => (
                      <Space size={4} wrap>
                        <span data-testid={`worklist-${r.customer.code}`}>{r.customer.name}</span>
                        {r.promise === 'broken' && <Tag color="red">{t('collections.promiseBroken')}</Tag>}
                        {r.promise === 'due' && <Tag color="orange">{t('collections.promiseDue')}</Tag>}
                      </Space>
                    ),
                  },
                  { title: t('field.region'), render: (_: unknown, r) => r.customer.region, responsive: ['md'] },
                  { title: t('collections.overdue'), dataIndex: 'overdue', align: 'right', render: (v: string, r) => <Money value={v} currency={r.rankCurrency} danger /> },
                  { title: t('collections.maxDays'), dataIndex: 'maxDaysOverdue', align: 'right' },
                  { title: t('collections.why'), dataIndex: 'explanation', responsive: ['lg'] },
                ]}
              />
            )}
          </Card>
        </Col>
      </Row>
      <Drawer open={!!picked} onClose={() => setPicked(null)} width={Math.min(760, window.innerWidth)} title={picked?.customer.name} destroyOnHidden data-testid="work-drawer">
        {picked && <CustomerWork item={picked} onChanged={worklist.reload} />}
      </Drawer>
    </>
  );
}
