/**
 * 审批中心: my pending decisions (approve / reject with a comment; as a delegate when someone is
 * away), my own requests, and delegation of my approvals while I am away.
 */
import { App as AntApp, Button, Card, DatePicker, Form, Input, Modal, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { api, newIdempotencyKey } from '../api';
import { Money, PageTitle } from '../components/common';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';

interface Request {
  id: string;
  documentType: string;
  status: string;
  title: string;
  reason: string;
  amount: string;
  currency: string;
  currentStepName: string | null;
  requester: { id: string; name: string | null };
  createdAt: string;
  expiresAt: string | null;
  onBehalfOf?: string | null;
  decisions: { step: number; decision: string; comment: string | null; userName: string | null }[];
}

const STATUS_COLOR: Record<string, string> = { pending: 'blue', approved: 'green', rejected: 'red', cancelled: 'default', expired: 'default' };

export default function ApprovalsPage() {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const box = useApi<{ toDecide: Request[]; mine: Request[] }>('/api/approvals/inbox');
  const [deciding, setDeciding] = useState<{ request: Request; kind: 'approve' | 'reject' } | null>(null);
  const [comment, setComment] = useState('');
  const [delegationForm] = Form.useForm();

  const submit = async () => {
    if (!deciding) return;
    await api.post(`/api/approvals/requests/${deciding.request.id}/${deciding.kind}`, { comment: comment || null }, { headers: { 'Idempotency-Key': newIdempotencyKey() } });
    message.success(t(deciding.kind === 'approve' ? 'approvals.approved' : 'approvals.rejected'));
    setDeciding(null);
    setComment('');
    box.reload();
  };

  const delegate = async () => {
    const v = await delegationForm.validateFields();
    await api.post(
      '/api/approvals/delegations',
      { toUsername: v.toUsername.trim(), startsOn: v.range[0].format('YYYY-MM-DD'), endsOn: v.range[1].format('YYYY-MM-DD'), reason: v.reason ?? null },
      { headers: { 'Idempotency-Key': newIdempotencyKey() } },
    );
    message.success(t('approvals.delegated'));
    delegationForm.resetFields();
  };

  const columns = (actions: boolean) => [
    { title: t('approvals.type'), dataIndex: 'documentType', render: (v: string) => <Tag>{t(`approvals.type.${v}` as never) || v}</Tag> },
    { title: t('approvals.title'), dataIndex: 'title' },
    { title: t('approvals.amount'), align: 'right' as const, render: (_: unknown, r: Request) => <Money value={r.amount} currency={r.currency} /> },
    { title: t('approvals.reason'), dataIndex: 'reason' },
    { title: t('approvals.requester'), render: (_: unknown, r: Request) => r.requester.name },
    { title: t('approvals.step'), dataIndex: 'currentStepName' },
    {
      title: t('approvals.status'),
      render: (_: unknown, r: Request) => (
        <Space size={4}>
          <Tag color={STATUS_COLOR[r.status] ?? 'default'}>{t(`approvals.status.${r.status}` as never)}</Tag>
          {r.onBehalfOf && <Tag color="purple">{t('approvals.asDelegate')}</Tag>}
        </Space>
      ),
    },
    ...(actions
      ? [
          {
            title: '',
            render: (_: unknown, r: Request) => (
              <Space>
                <Button type="primary" size="small" data-testid={`approve-${r.id}`} onClick={() => setDeciding({ request: r, kind: 'approve' })}>
                  {t('approvals.approve')}
                </Button>
                <Button danger size="small" data-testid={`reject-${r.id}`} onClick={() => setDeciding({ request: r, kind: 'reject' })}>
                  {t('approvals.reject')}
                </Button>
              </Space>
            ),
          },
        ]
      : []),
  ];

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <PageTitle title={t('approvals.pageTitle')} sub={t('approvals.hint')} />
      <Card title={t('approvals.toDecide')}>
        <Table size="small" rowKey="id" data-testid="approvals-inbox" loading={box.loading} dataSource={box.data?.toDecide ?? []} pagination={false} scroll={{ x: 900 }} columns={columns(true)} locale={{ emptyText: t('approvals.empty') }} />
      </Card>
      <Card title={t('approvals.mine')}>
        <Table size="small" rowKey="id" data-testid="approvals-mine" loading={box.loading} dataSource={box.data?.mine ?? []} pagination={false} scroll={{ x: 900 }} columns={columns(false)} locale={{ emptyText: t('approvals.empty') }} />
      </Card>
      <Card title={t('approvals.delegation')}>
        <Form form={delegationForm} layout="inline">
          <Form.Item name="toUsername" label={t('approvals.delegateTo')} rules={[{ required: true }]}>
            <Input style={{ width: 160 }} />
          </Form.Item>
          <Form.Item name="range" label={t('approvals.period')} rules={[{ required: true }]}>
            <DatePicker.RangePicker />
          </Form.Item>
          <Form.Item name="reason" label={t('approvals.reason')}>
            <Input style={{ width: 200 }} />
          </Form.Item>
          <Button onClick={delegate}>{t('approvals.delegate')}</Button>
        </Form>
      </Card>
      <Modal
        open={deciding !== null}
        title={deciding ? `${t(deciding.kind === 'approve' ? 'approvals.approve' : 'approvals.reject')} · ${deciding.request.title}` : ''}
        onOk={submit}
        onCancel={() => setDeciding(null)}
        okButtonProps={{ danger: deciding?.kind === 'reject', ...({ 'data-testid': 'decision-ok' } as object) }}
      >
        <Input.TextArea rows={3} value={comment} onChange={(e) => setComment(e.target.value)} placeholder={t(deciding?.kind === 'reject' ? 'approvals.commentRequired' : 'approvals.comment')} data-testid="decision-comment" />
      </Modal>
    </Space>
  );
}
