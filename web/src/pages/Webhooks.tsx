/**
 * Webhooks (docs/webhooks.md): endpoints (create, enable/disable, test, delete; the signing
 * secret is shown once), and deliveries with status, attempts, response code and Replay.
 */
import { ApiOutlined, PlusOutlined, ReloadOutlined, SendOutlined } from '@ant-design/icons';
import {
  App as AntApp,
  Alert,
  Button,
  Card,
  Col,
  Form,
  Input,
  Modal,
  Popconfirm,
  Row,
  Select,
  Space,
  Switch,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api, request } from '../api';
import { ErrorResult, PageTitle } from '../components/common';
import { fmtDateTime, orDash } from '../format';
import { useApi, useUrlListState } from '../hooks';
import { useI18n } from '../i18n';

interface Endpoint {
  id: string;
  url: string;
  eventTypes: string[];
  entities: string[] | null;
  active: boolean;
  description: string | null;
  createdAt: string;
}

interface EventType {
  type: string;
  description: string;
}

type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'dead';

interface Delivery {
  id: string;
  endpointId: string;
  url: string;
  eventId: string;
  type: string;
  objectId: string | null;
  occurredAt: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastResponseExcerpt: string | null;
  lastDurationMs: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  replayOf: string | null;
  createdAt: string;
}

interface Attempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  outcome: 'succeeded' | 'failed';
  statusCode: number | null;
  responseExcerpt: string | null;
  error: string | null;
  nextAttemptAt: string | null;
}

interface DeliveryPage {
  items: Delivery[];
  total: number;
  page: number;
  pageSize: number;
}

const STATUS_COLORS: Record<DeliveryStatus, string> = { pending: 'blue', succeeded: 'green', failed: 'orange', dead: 'red' };
const FILTER_KEYS = ['status', 'endpointId'] as const;
const REFRESH_MS = 3000;

function DeliveryStatusTag({ status }: { status: DeliveryStatus }) {
  const { t, td } = useI18n();
  return (
    <Tag color={STATUS_COLORS[status]} data-testid={`webhook-status-${status}`}>
      {td('webhooks.status', status) || t('webhooks.status.pending')}
    </Tag>
  );
}

function Attempts({ deliveryId }: { deliveryId: string }) {
  const { t } = useI18n();
  const { data, loading } = useApi<{ items: Attempt[] }>(`/api/webhooks/deliveries/${deliveryId}/attempts`);
  const columns: TableColumnsType<Attempt> = [
    { key: 'attempt', dataIndex: 'attempt', title: '#', width: 48 },
    { key: 'startedAt', dataIndex: 'startedAt', title: t('webhooks.startedAt'), render: fmtDateTime },
    { key: 'outcome', dataIndex: 'outcome', title: t('webhooks.outcome'), render: (v: Attempt['outcome']) => <DeliveryStatusTag status={v} /> },
    { key: 'statusCode', dataIndex: 'statusCode', title: t('webhooks.responseCode'), render: (v: number | null) => orDash(v) },
    { key: 'durationMs', dataIndex: 'durationMs', title: t('webhooks.duration'), align: 'right', render: (v: number) => `${v} ms` },
    {
      key: 'detail',
      title: t('webhooks.response'),
      render: (_: unknown, a) => (
        <Typography.Text type={a.error && !a.statusCode ? 'danger' : undefined} ellipsis style={{ maxWidth: 360 }}>
          {a.responseExcerpt ?? a.error ?? '—'}
        </Typography.Text>
      ),
    },
    { key: 'next', dataIndex: 'nextAttemptAt', title: t('webhooks.nextAttempt'), render: (v: string | null) => (v ? fmtDateTime(v) : '—') },
  ];
  return (
    <Table<Attempt>
      size="small"
      rowKey="attempt"
      loading={loading}
      columns={columns}
      dataSource={data?.items ?? []}
      pagination={false}
      data-testid={`webhook-attempts-${deliveryId}`}
    />
  );
}

export default function WebhooksPage() {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const list = useUrlListState(FILTER_KEYS, 20);
  const endpoints = useApi<{ items: Endpoint[] }>('/api/webhooks/endpoints');
  const eventTypes = useApi<{ items: EventType[] }>('/api/webhooks/event-types');
  const deliveries = useApi<DeliveryPage>('/api/webhooks/deliveries', list.query);
  const [creating, setCreating] = useState(false);
  const [saving, setSaving] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [form] = Form.useForm<{ url: string; eventTypes: string[]; entities?: string[]; description?: string }>();
  const reloadDeliveries = deliveries.reload;
  const reloadEndpoints = endpoints.reload;

  // Deliveries change on their own (the worker sends, retries): refresh while the page is open.
  useEffect(() => {
    const timer = setInterval(reloadDeliveries, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reloadDeliveries]);

  const refresh = useCallback(() => {
    reloadEndpoints();
    reloadDeliveries();
  }, [reloadEndpoints, reloadDeliveries]);

  const create = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      const created = await api.post<Endpoint & { secret: string }>('/api/webhooks/endpoints', {
        url: values.url.trim(),
        eventTypes: values.eventTypes,
        entities: values.entities?.length ? values.entities : null,
        description: values.description?.trim() || null,
      });
      setCreating(false);
      form.resetFields();
      setSecret(created.secret);
      reloadEndpoints();
    } finally {
      setSaving(false);
    }
  };

  const setActive = async (e: Endpoint, active: boolean) => {
    setBusy(e.id);
    try {
      await request(`/api/webhooks/endpoints/${e.id}`, { method: 'PATCH', body: { active } });
      reloadEndpoints();
    } finally {
      setBusy(null);
    }
  };

  const remove = async (e: Endpoint) => {
    await request(`/api/webhooks/endpoints/${e.id}`, { method: 'DELETE' });
    refresh();
  };

  const test = async (e: Endpoint) => {
    setBusy(e.id);
    try {
      const d = await api.post<Delivery>(`/api/webhooks/endpoints/${e.id}/test`);
      if (d.status === 'succeeded') void message.success(t('webhooks.testOk', { code: d.lastStatusCode ?? '' }));
      else void message.warning(t('webhooks.testFailed', { error: d.lastError ?? '' }));
      reloadDeliveries();
    } finally {
      setBusy(null);
    }
  };

  const replay = async (d: Delivery) => {
    setBusy(d.id);
    try {
      await api.post<Delivery>(`/api/webhooks/deliveries/${d.id}/replay`, {}, { headers: { 'Idempotency-Key': `replay-${d.id}-${Date.now()}` } });
      void message.success(t('webhooks.replayQueued'));
      reloadDeliveries();
    } finally {
      setBusy(null);
    }
  };

  const endpointColumns: TableColumnsType<Endpoint> = [
    {
      key: 'url',
      dataIndex: 'url',
      title: t('webhooks.url'),
      render: (v: string, e) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text code copyable>
            {v}
          </Typography.Text>
          {e.description && <Typography.Text type="secondary">{e.description}</Typography.Text>}
        </Space>
      ),
    },
    {
      key: 'eventTypes',
      dataIndex: 'eventTypes',
      title: t('webhooks.events'),
      render: (v: string[]) => (
        <Space size={[0, 4]} wrap>
          {v.map((x) => (
            <Tag key={x}>{x === '*' ? t('webhooks.allEvents') : x}</Tag>
          ))}
        </Space>
      ),
    },
    { key: 'entities', dataIndex: 'entities', title: t('webhooks.entities'), render: (v: string[] | null) => (v ? v.join(', ') : t('common.all')) },
    {
      key: 'active',
      dataIndex: 'active',
      title: t('webhooks.active'),
      render: (v: boolean, e) => (
        <Switch checked={v} loading={busy === e.id} onChange={(on) => void setActive(e, on)} data-testid={`webhook-active-${e.id}`} />
      ),
    },
    {
      key: 'actions',
      title: t('webhooks.actions'),
      render: (_: unknown, e) => (
        <Space>
          <Button size="small" icon={<SendOutlined />} disabled={!e.active} loading={busy === e.id} onClick={() => void test(e)} data-testid={`webhook-test-${e.id}`}>
            {t('webhooks.test')}
          </Button>
          <Popconfirm title={t('webhooks.deleteConfirm')} onConfirm={() => void remove(e)} okText={t('common.confirm')} cancelText={t('common.cancel')}>
            <Button size="small" danger data-testid={`webhook-delete-${e.id}`}>
              {t('webhooks.delete')}
            </Button>
          </Popconfirm>
        </Space>
      ),
    },
  ];

  const deliveryColumns: TableColumnsType<Delivery> = [
    { key: 'createdAt', dataIndex: 'createdAt', title: t('webhooks.createdAt'), render: fmtDateTime },
    { key: 'type', dataIndex: 'type', title: t('webhooks.event'), render: (v: string) => <code>{v}</code> },
    {
      key: 'url',
      dataIndex: 'url',
      title: t('webhooks.url'),
      render: (v: string) => (
        <Typography.Text ellipsis style={{ maxWidth: 260 }} title={v}>
          {v}
        </Typography.Text>
      ),
    },
    {
      key: 'status',
      dataIndex: 'status',
      title: t('webhooks.statusTitle'),
      render: (v: DeliveryStatus, d) => (
        <Space size={4}>
          <DeliveryStatusTag status={v} />
          {d.replayOf && <Tag>{t('webhooks.replay')}</Tag>}
        </Space>
      ),
    },
    { key: 'attempts', dataIndex: 'attempts', title: t('webhooks.attempts'), align: 'right' },
    {
      key: 'lastStatusCode',
      dataIndex: 'lastStatusCode',
      title: t('webhooks.responseCode'),
      render: (v: number | null, d) =>
        v !== null ? (
          <Tag color={v >= 200 && v < 300 ? 'green' : 'red'} data-testid={`webhook-code-${d.id}`}>
            {v}
          </Tag>
        ) : d.lastError ? (
          <Typography.Text type="danger" ellipsis style={{ maxWidth: 200 }} title={d.lastError}>
            {d.lastError}
          </Typography.Text>
        ) : (
          '—'
        ),
    },
    {
      key: 'next',
      title: t('webhooks.nextOrDelivered'),
      render: (_: unknown, d) => (d.nextAttemptAt ? fmtDateTime(d.nextAttemptAt) : d.deliveredAt ? `✓ ${fmtDateTime(d.deliveredAt)}` : '—'),
    },
    {
      key: 'actions',
      title: t('webhooks.actions'),
      render: (_: unknown, d) => (
        <Button size="small" icon={<ReloadOutlined />} loading={busy === d.id} onClick={() => void replay(d)} data-testid={`webhook-replay-${d.id}`}>
          {t('webhooks.replayButton')}
        </Button>
      ),
    },
  ];

  if (endpoints.error && !endpoints.data) return <ErrorResult error={endpoints.error} onRetry={endpoints.reload} />;

  const typeOptions = [
    { value: '*', label: t('webhooks.allEvents') },
    ...(eventTypes.data?.items ?? []).map((e) => ({ value: e.type, label: e.type, title: e.description })),
  ];
  const page = deliveries.data;

  return (
    <>
      <PageTitle
        title={t('nav.webhooks')}
        sub={t('webhooks.subtitle')}
        extra={
          <Space>
            <Button icon={<ReloadOutlined />} onClick={refresh} aria-label={t('common.refresh')} title={t('common.refresh')} data-testid="webhooks-refresh" />
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="webhook-new">
              {t('webhooks.new')}
            </Button>
          </Space>
        }
      />
      <Card title={<><ApiOutlined /> {t('webhooks.endpoints')}</>} size="small" style={{ marginBottom: 16 }}>
        <Table<Endpoint>
          size="small"
          rowKey="id"
          loading={endpoints.loading && !endpoints.data}
          columns={endpointColumns}
          dataSource={endpoints.data?.items ?? []}
          pagination={false}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText: t('webhooks.noEndpoints') }}
          data-testid="webhook-endpoints"
        />
      </Card>
      <Card title={t('webhooks.deliveries')} size="small">
        <Row gutter={[8, 8]} className="toolbar">
          <Col xs={24} sm={12} md={6}>
            <Select
              allowClear
              style={{ width: '100%' }}
              placeholder={t('webhooks.statusTitle')}
              value={list.filter('status') || undefined}
              onChange={(v?: string) => list.update({ status: v, page: 1 })}
              options={(['pending', 'succeeded', 'failed', 'dead'] as const).map((s) => ({ value: s, label: t(`webhooks.status.${s}`) }))}
              data-testid="webhook-filter-status"
            />
          </Col>
          <Col xs={24} sm={12} md={10}>
            <Select
              allowClear
              style={{ width: '100%' }}
              placeholder={t('webhooks.url')}
              value={list.filter('endpointId') || undefined}
              onChange={(v?: string) => list.update({ endpointId: v, page: 1 })}
              options={(endpoints.data?.items ?? []).map((e) => ({ value: e.id, label: e.url }))}
            />
          </Col>
        </Row>
        <Table<Delivery>
          size="small"
          rowKey="id"
          loading={deliveries.loading && !deliveries.data}
          columns={deliveryColumns}
          dataSource={page?.items ?? []}
          scroll={{ x: 'max-content' }}
          data-testid="webhook-deliveries"
          expandable={{ expandedRowRender: (d) => <Attempts deliveryId={d.id} /> }}
          onChange={(p) => list.update({ page: p.current ?? 1, pageSize: p.pageSize ?? list.pageSize })}
          pagination={{
            current: list.page,
            pageSize: list.pageSize,
            total: page?.total ?? 0,
            showSizeChanger: true,
            showTotal: (total) => t('common.total', { total }),
          }}
        />
      </Card>

      <Modal
        open={creating}
        title={t('webhooks.new')}
        onCancel={() => setCreating(false)}
        onOk={() => void create()}
        confirmLoading={saving}
        okText={t('common.confirm')}
        cancelText={t('common.cancel')}
        okButtonProps={{ 'data-testid': 'webhook-create-submit' }}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" initialValues={{ eventTypes: ['*'] }} preserve={false}>
          <Form.Item
            name="url"
            label={t('webhooks.url')}
            extra={t('webhooks.urlHelp')}
            rules={[
              { required: true, message: t('webhooks.urlRequired') },
              { pattern: /^https?:\/\/\S+$/i, message: t('webhooks.urlInvalid') },
            ]}
          >
            <Input placeholder="https://erp.example.com/shoufu/webhook" data-testid="webhook-url" />
          </Form.Item>
          <Form.Item name="eventTypes" label={t('webhooks.events')} rules={[{ required: true, message: t('webhooks.eventsRequired') }]}>
            <Select mode="multiple" options={typeOptions} data-testid="webhook-events" />
          </Form.Item>
          <Form.Item name="entities" label={t('webhooks.entities')} extra={t('webhooks.entitiesHelp')}>
            <Select mode="tags" tokenSeparators={[',', ' ']} open={false} />
          </Form.Item>
          <Form.Item name="description" label={t('webhooks.description')}>
            <Input maxLength={500} data-testid="webhook-description" />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        open={secret !== null}
        title={t('webhooks.secretTitle')}
        onOk={() => setSecret(null)}
        onCancel={() => setSecret(null)}
        cancelButtonProps={{ style: { display: 'none' } }}
        okText={t('webhooks.secretSaved')}
        okButtonProps={{ 'data-testid': 'webhook-secret-close' }}
      >
        <Alert type="warning" showIcon title={t('webhooks.secretOnce')} style={{ marginBottom: 12 }} />
        <Typography.Paragraph copyable code data-testid="webhook-secret">
          {secret}
        </Typography.Paragraph>
        <Typography.Paragraph type="secondary">{t('webhooks.secretHelp')}</Typography.Paragraph>
      </Modal>
    </>
  );
}
