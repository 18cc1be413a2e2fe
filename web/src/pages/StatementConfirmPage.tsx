/**
 * The customer's side of a statement confirmation link (询证/对账确认), without an account: the
 * statement as it was sent, and two answers — the balance is right, or these items are not.
 */
import { Alert, Button, Card, Checkbox, Input, Layout, Result, Space, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import { type ApiError, request } from '../api';
import { LangSwitch, Loading, Money } from '../components/common';
import { useI18n } from '../i18n';

interface Line {
  date: string;
  type: string;
  number: string;
  debit: string;
  credit: string;
  balance: string;
}
interface Seen {
  statement: { party: { code: string; name: string }; from: string; to: string; currencies: { currency: string; opening: string; closing: string; lines: Line[] }[] };
  response: 'confirmed' | 'disputed' | null;
  comment: string | null;
  expired: boolean;
}

export default function StatementConfirmPage() {
  const { token = '' } = useParams();
  const { t } = useI18n();
  const [seen, setSeen] = useState<Seen | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [disputing, setDisputing] = useState(false);
  const [comment, setComment] = useState('');
  const [items, setItems] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const load = () =>
    request<Seen>(`/api/public/statements/${token}`, { noAuthRedirect: true, silent: true })
      .then(setSeen)
      .catch((e: ApiError) => setError(e));
  // biome-ignore lint/correctness/useExhaustiveDependencies: load once per token
  useEffect(() => {
    void load();
  }, [token]);
  const answer = async (response: 'confirmed' | 'disputed') => {
    setSaving(true);
    try {
      await request(`/api/public/statements/${token}/respond`, { method: 'POST', body: { response, comment: comment || null, disputedItems: items }, noAuthRedirect: true });
      await load();
    } finally {
      setSaving(false);
    }
  };
  if (error) return <Result status="404" title={t('confirm.notFound')} />;
  if (!seen) return <Loading />;
  const s = seen.statement;
  return (
    <Layout style={{ minHeight: '100vh', padding: 16 }}>
      <Space direction="vertical" style={{ maxWidth: 900, margin: '0 auto', width: '100%' }}>
        <Space style={{ justifyContent: 'space-between', width: '100%' }}>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('confirm.title')}
          </Typography.Title>
          <LangSwitch />
        </Space>
        <Typography.Text>
          {s.party.name}（{s.party.code}）· {s.from} – {s.to}
        </Typography.Text>
        {s.currencies.map((c) => (
          <Card key={c.currency} size="small" title={`${c.currency} · ${t('confirm.opening')} ${c.opening} → ${t('confirm.closing')} ${c.closing}`}>
            <Table
              size="small"
              rowKey={(l) => `${l.date}-${l.number}-${l.type}`}
              pagination={false}
              dataSource={c.lines}
              scroll={{ x: 560 }}
              columns={[
                ...(disputing ? [{ title: '', width: 40, render: (_: unknown, l: Line) => <Checkbox checked={items.includes(l.number)} onChange={(e) => setItems((x) => (e.target.checked ? [...x, l.number] : x.filter((n) => n !== l.number)))} /> }] : []),
                { title: t('field.date'), dataIndex: 'date' },
                { title: t('field.number'), dataIndex: 'number' },
                { title: t('field.debit'), dataIndex: 'debit', align: 'right' as const, render: (v: string) => <Money value={v} currency={c.currency} /> },
                { title: t('field.credit'), dataIndex: 'credit', align: 'right' as const, render: (v: string) => <Money value={v} currency={c.currency} /> },
                { title: t('confirm.balance'), dataIndex: 'balance', align: 'right' as const, render: (v: string) => <Money value={v} currency={c.currency} /> },
              ]}
            />
          </Card>
        ))}
        {seen.response ? (
          <Alert type={seen.response === 'confirmed' ? 'success' : 'warning'} showIcon message={t(seen.response === 'confirmed' ? 'confirm.thanksConfirmed' : 'confirm.thanksDisputed')} data-testid="confirm-answered" />
        ) : seen.expired ? (
          <Alert type="error" showIcon message={t('confirm.expired')} />
        ) : disputing ? (
          <Card size="small">
            <Typography.Paragraph>{t('confirm.disputeHelp')}</Typography.Paragraph>
            <Input.TextArea rows={3} value={comment} onChange={(e) => setComment(e.target.value)} data-testid="confirm-comment" />
            <Space style={{ marginTop: 8 }}>
              <Button type="primary" danger loading={saving} onClick={() => answer('disputed')} data-testid="confirm-dispute-send">
                {t('confirm.sendDispute')}
              </Button>
              <Button onClick={() => setDisputing(false)}>{t('confirm.back')}</Button>
            </Space>
          </Card>
        ) : (
          <Space>
            <Button type="primary" loading={saving} onClick={() => answer('confirmed')} data-testid="confirm-ok">
              {t('confirm.ok')}
            </Button>
            <Button danger onClick={() => setDisputing(true)} data-testid="confirm-dispute">
              {t('confirm.dispute')}
            </Button>
          </Space>
        )}
      </Space>
    </Layout>
  );
}
