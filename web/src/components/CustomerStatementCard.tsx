/**
 * 对账单 on the customer page: pick a period, download the statement as PDF or Excel, or e-mail it
 * with a confirmation link (询证); the answers the customer gave are listed below.
 */
import { DownloadOutlined, SendOutlined } from '@ant-design/icons';
import { App as AntApp, Button, Card, DatePicker, Select, Space, Table, Tag } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { api, newIdempotencyKey } from '../api';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';

interface Confirmation {
  id: string;
  from: string;
  to: string;
  sentTo: string[];
  sentAt: string;
  response: 'confirmed' | 'disputed' | null;
  comment: string | null;
  respondedAt: string | null;
}

export default function CustomerStatementCard({ partyId, email }: { partyId: string; email: string | null }) {
  const { t, locale } = useI18n();
  const { message } = AntApp.useApp();
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().startOf('month'), dayjs()]);
  const [recipients, setRecipients] = useState<string[]>(email ? [email] : []);
  const [sending, setSending] = useState(false);
  const confirmations = useApi<Confirmation[]>(`/api/customers/${partyId}/statement/confirmations`);
  const from = range[0].format('YYYY-MM-DD');
  const to = range[1].format('YYYY-MM-DD');
  const file = (format: 'pdf' | 'xlsx') => `/api/customers/${partyId}/statement?from=${from}&to=${to}&format=${format}&lang=${locale}`;
  const send = async () => {
    setSending(true);
    try {
      await api.post(`/api/customers/${partyId}/statement/send`, { from, to, recipients, lang: locale }, { headers: { 'Idempotency-Key': newIdempotencyKey() } });
      message.success(t('stmt.sent'));
      confirmations.reload();
    } finally {
      setSending(false);
    }
  };
  return (
    <Card title={t('stmt.title')} style={{ marginBottom: 16 }} data-testid="statement-card">
      <Space wrap>
        <DatePicker.RangePicker value={range} onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])} allowClear={false} />
        <Button icon={<DownloadOutlined />} href={file('pdf')} data-testid="statement-pdf">
          PDF
        </Button>
        <Button icon={<DownloadOutlined />} href={file('xlsx')}>
          Excel
        </Button>
        <Select mode="tags" open={false} value={recipients} onChange={setRecipients} placeholder={t('stmt.recipients')} style={{ minWidth: 240 }} tokenSeparators={[',', ';', ' ']} />
        <Button type="primary" icon={<SendOutlined />} onClick={send} loading={sending} disabled={recipients.length === 0}>
          {t('stmt.send')}
        </Button>
      </Space>
      {(confirmations.data?.length ?? 0) > 0 && (
        <Table
          style={{ marginTop: 12 }}
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={confirmations.data ?? []}
          columns={[
            { title: t('stmt.period'), render: (_: unknown, c: Confirmation) => `${c.from} – ${c.to}` },
            { title: t('stmt.sentTo'), render: (_: unknown, c: Confirmation) => c.sentTo.join(', ') },
            { title: t('stmt.sentAt'), render: (_: unknown, c: Confirmation) => dayjs(c.sentAt).format('YYYY-MM-DD HH:mm') },
            {
              title: t('stmt.answer'),
              render: (_: unknown, c: Confirmation) =>
                c.response ? <Tag color={c.response === 'confirmed' ? 'green' : 'red'}>{t(`stmt.${c.response}` as never)}</Tag> : <Tag>{t('stmt.waiting')}</Tag>,
            },
            { title: t('stmt.comment'), dataIndex: 'comment' },
          ]}
        />
      )}
    </Card>
  );
}
