/**
 * 对账工作台: what the matching engine left for people. Each receipt with its best proposal (what
 * it pays, how sure, and why — in the reader's language) and the alternatives; accept (A), reject
 * (R), open the receipt to match or split it by hand (Enter), move with J/K. A second tab lists the
 * engine's own recent matches, each undone in one click. Run the engine from here too.
 */
import { CheckOutlined, CloseOutlined, PlayCircleOutlined, RollbackOutlined } from '@ant-design/icons';
import { App as AntApp, Button, Card, InputNumber, Segmented, Space, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, newIdempotencyKey } from '../api';
import { ErrorResult, Money, PageTitle } from '../components/common';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';

interface Proposal {
  id: string;
  rank: number;
  kind: string;
  confidence: string;
  party: { id: string; code: string; name: string } | null;
  allocations: { installmentId: string; invoiceNumber: string | null; amount: string }[];
  adjustment: { kind: string; installmentId: string; amount: string } | null;
  onAccount: string;
  reasons: { code: string; zh: string; en: string }[];
}

interface Entry {
  receipt: { id: string; number: string; side: 'AR' | 'AP'; date: string; currency: string; amount: string; unapplied: string; payerName: string | null; remittance: string | null };
  proposals: Proposal[];
}

interface AutoMatch {
  receiptId: string;
  number: string;
  date: string;
  payerName: string | null;
  remittance: string | null;
  invoices: string[];
  amount: string;
  currency: string;
  confidence: string;
  reason: string | null;
}

/** Every decision carries its own Idempotency-Key: a double click applies once. */
const key = () => ({ headers: { 'Idempotency-Key': newIdempotencyKey() } });

const KIND_COLORS: Record<string, string> = { exact: 'green', reference: 'green', combination: 'cyan', partial: 'gold', overpayment: 'orange', fee_short: 'lime', remittance_advice: 'blue', unidentified: 'default', stranger: 'red', duplicate: 'purple' };

export default function ReconciliationPage() {
  const { t, locale } = useI18n();
  const { message } = AntApp.useApp();
  const navigate = useNavigate();
  const [side, setSide] = useState<'AR' | 'AP'>('AR');
  const [threshold, setThreshold] = useState(0.9);
  const [bulkMin, setBulkMin] = useState(0.85);
  const [selected, setSelected] = useState(0);
  const [busy, setBusy] = useState(false);
  const queue = useApi<Entry[]>('/api/reconciliation/queue', { side });
  const autos = useApi<AutoMatch[]>('/api/reconciliation/auto', { limit: 100 });
  const entries = queue.data ?? [];
  const reasonText = (p: Proposal) => p.reasons.map((r) => (locale === 'zh-CN' ? r.zh : r.en)).join(locale === 'zh-CN' ? '；' : '; ');
  const pct = (c: string) => `${Math.round(Number(c) * 100)}%`;

  const refresh = useCallback(() => {
    queue.reload();
    autos.reload();
  }, [queue, autos]);

  const accept = useCallback(
    async (p: Proposal) => {
      await api.post(`/api/reconciliation/proposals/${p.id}/accept`, {}, key());
      message.success(t('recon.accepted'));
      refresh();
    },
    [message, t, refresh],
  );
  const reject = useCallback(
    async (p: Proposal) => {
      await api.post(`/api/reconciliation/proposals/${p.id}/reject`, {}, key());
      message.info(t('recon.rejected'));
      refresh();
    },
    [message, t, refresh],
  );
  const run = async () => {
    setBusy(true);
    try {
      const s = await api.post<{ lines: number; autoApplied: { count: number }; suggested: number; unidentified: number }>('/api/reconciliation/run', { side, threshold });
      message.success(`${t('recon.ran')}: ${s.lines} · ${t('recon.auto')} ${s.autoApplied.count} · ${t('recon.suggested')} ${s.suggested} · ${t('recon.unidentified')} ${s.unidentified}`);
      refresh();
    } finally {
      setBusy(false);
    }
  };
  const bulkAccept = async () => {
    const good = entries.map((e) => e.proposals[0]).filter((p): p is Proposal => !!p && Number(p.confidence) >= bulkMin && p.allocations.length > 0 && !!p.party);
    setBusy(true);
    try {
      for (const p of good) await api.post(`/api/reconciliation/proposals/${p.id}/accept`, {}, key());
      message.success(`${t('recon.accepted')} ${good.length}`);
      refresh();
    } finally {
      setBusy(false);
    }
  };
  const undo = async (a: AutoMatch) => {
    await api.post(`/api/reconciliation/receipts/${a.receiptId}/undo`, {}, key());
    message.info(t('recon.undone'));
    refresh();
  };

  // Keyboard: J/K move, A accept, R reject, Enter opens the receipt (manual match or split).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return;
      const entry = entries[selected];
      if (e.key === 'j') setSelected((i) => Math.min(entries.length - 1, i + 1));
      else if (e.key === 'k') setSelected((i) => Math.max(0, i - 1));
      else if (e.key === 'a' && entry?.proposals[0]) void accept(entry.proposals[0]);
      else if (e.key === 'r' && entry?.proposals[0]) void reject(entry.proposals[0]);
      else if (e.key === 'Enter' && entry) navigate(`/${entry.receipt.side === 'AR' ? 'receipts' : 'payments'}/${entry.receipt.id}`);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [entries, selected, accept, reject, navigate]);

  if (queue.error) return <ErrorResult error={queue.error} onRetry={queue.reload} />;
  const proposalCell = (p: Proposal | undefined, entry: Entry) =>
    p ? (
      <Space direction="vertical" size={2} style={{ width: '100%' }}>
        <Space wrap size={4}>
          <Tag color={KIND_COLORS[p.kind] ?? 'default'}>{t(`recon.kind.${p.kind}` as never)}</Tag>
          <Tag data-testid="recon-confidence">{pct(p.confidence)}</Tag>
          {p.party && <Typography.Text strong>{p.party.name}</Typography.Text>}
        </Space>
        {p.allocations.length > 0 && (
          <Typography.Text>
            {p.allocations.map((a) => `${a.invoiceNumber ?? '?'} ${a.amount}`).join(' · ')}
            {p.adjustment ? ` · ${t(`recon.adj.${p.adjustment.kind}` as never)} ${p.adjustment.amount}` : ''} {entry.receipt.currency}
          </Typography.Text>
        )}
        <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="recon-reason">
          {reasonText(p)}
        </Typography.Text>
      </Space>
    ) : (
      <Typography.Text type="secondary">{t('recon.noProposal')}</Typography.Text>
    );

  return (
    <>
      <PageTitle
        title={t('nav.reconciliation')}
        extra={
          <Space wrap>
            <Segmented value={side} onChange={(v) => setSide(v as 'AR' | 'AP')} options={[{ value: 'AR', label: t('recon.receipts') }, { value: 'AP', label: t('recon.payments') }]} />
            <Tooltip title={t('recon.thresholdHint')}>
              <InputNumber min={0.5} max={1} step={0.01} value={threshold} onChange={(v) => setThreshold(v ?? 0.9)} addonBefore={t('recon.threshold')} style={{ width: 170 }} />
            </Tooltip>
            <Button type="primary" icon={<PlayCircleOutlined />} loading={busy} onClick={run} data-testid="recon-run">
              {t('recon.run')}
            </Button>
          </Space>
        }
      />
      <Card size="small">
        <Tabs
          items={[
            {
              key: 'queue',
              label: `${t('recon.queue')} (${entries.length})`,
              children: (
                <>
                  <Space wrap style={{ marginBottom: 8 }}>
                    <Typography.Text type="secondary">{t('recon.keys')}</Typography.Text>
                    <InputNumber min={0.5} max={1} step={0.01} value={bulkMin} onChange={(v) => setBulkMin(v ?? 0.85)} size="small" style={{ width: 90 }} />
                    <Button size="small" onClick={bulkAccept} loading={busy} data-testid="recon-bulk">
                      {t('recon.bulk')}
                    </Button>
                  </Space>
                  <Table
                    size="small"
                    rowKey={(e) => e.receipt.id}
                    loading={queue.loading}
                    dataSource={entries}
                    pagination={{ pageSize: 25, showSizeChanger: false }}
                    scroll={{ x: 900 }}
                    data-testid="recon-queue"
                    rowClassName={(_, i) => (i === selected ? 'ant-table-row-selected' : '')}
                    onRow={(_, i) => ({ onClick: () => setSelected(i ?? 0) })}
                    expandable={{
                      rowExpandable: (e) => e.proposals.length > 1,
                      expandedRowRender: (e) => (
                        <Space direction="vertical" style={{ width: '100%' }}>
                          {e.proposals.slice(1).map((p) => (
                            <Space key={p.id} align="start" style={{ width: '100%', justifyContent: 'space-between' }}>
                              {proposalCell(p, e)}
                              <Button size="small" icon={<CheckOutlined />} onClick={() => accept(p)} disabled={!p.party || p.allocations.length === 0}>
                                {t('recon.accept')}
                              </Button>
                            </Space>
                          ))}
                        </Space>
                      ),
                    }}
                    columns={[
                      { title: t('field.date'), render: (_: unknown, e) => e.receipt.date, width: 100 },
                      {
                        title: t('recon.receipt'),
                        width: 200,
                        render: (_: unknown, e) => (
                          <Space direction="vertical" size={0}>
                            <Link to={`/${e.receipt.side === 'AR' ? 'receipts' : 'payments'}/${e.receipt.id}`} data-testid={`recon-receipt-${e.receipt.number}`}>
                              {e.receipt.number}
                            </Link>
                            <Typography.Text type="secondary">{e.receipt.payerName ?? '—'}</Typography.Text>
                          </Space>
                        ),
                      },
                      { title: t('field.unapplied'), align: 'right', width: 130, render: (_: unknown, e) => <Money value={e.receipt.unapplied} currency={e.receipt.currency} /> },
                      { title: t('field.remittance'), width: 180, render: (_: unknown, e) => <Typography.Text style={{ fontSize: 12 }}>{e.receipt.remittance ?? '—'}</Typography.Text> },
                      { title: t('recon.proposal'), render: (_: unknown, e) => proposalCell(e.proposals[0], e) },
                      {
                        title: '',
                        width: 180,
                        render: (_: unknown, e) =>
                          e.proposals[0] && (
                            <Space>
                              <Button
                                size="small"
                                type="primary"
                                icon={<CheckOutlined />}
                                onClick={() => accept(e.proposals[0]!)}
                                disabled={!e.proposals[0].party || e.proposals[0].allocations.length === 0}
                                data-testid={`recon-accept-${e.receipt.number}`}
                              >
                                {t('recon.accept')}
                              </Button>
                              <Button size="small" icon={<CloseOutlined />} onClick={() => reject(e.proposals[0]!)} data-testid={`recon-reject-${e.receipt.number}`}>
                                {t('recon.reject')}
                              </Button>
                            </Space>
                          ),
                      },
                    ]}
                  />
                </>
              ),
            },
            {
              key: 'auto',
              label: `${t('recon.autoTab')} (${autos.data?.length ?? 0})`,
              children: (
                <Table
                  size="small"
                  rowKey="receiptId"
                  loading={autos.loading}
                  dataSource={autos.data ?? []}
                  pagination={{ pageSize: 25, showSizeChanger: false }}
                  scroll={{ x: 800 }}
                  data-testid="recon-auto"
                  columns={[
                    { title: t('field.date'), dataIndex: 'date', width: 100 },
                    { title: t('recon.receipt'), dataIndex: 'number', width: 140 },
                    { title: t('recon.invoices'), render: (_: unknown, a: AutoMatch) => a.invoices.join(', ') },
                    { title: t('field.amount'), align: 'right', render: (_: unknown, a: AutoMatch) => <Money value={a.amount} currency={a.currency} /> },
                    { title: t('recon.confidence'), render: (_: unknown, a: AutoMatch) => <Tag>{pct(a.confidence)}</Tag> },
                    { title: t('recon.why'), render: (_: unknown, a: AutoMatch) => <Typography.Text style={{ fontSize: 12 }}>{a.reason}</Typography.Text> },
                    {
                      title: '',
                      width: 110,
                      render: (_: unknown, a: AutoMatch) => (
                        <Button size="small" danger icon={<RollbackOutlined />} onClick={() => undo(a)} data-testid={`recon-undo-${a.number}`}>
                          {t('recon.undo')}
                        </Button>
                      ),
                    },
                  ]}
                />
              ),
            },
          ]}
        />
      </Card>
    </>
  );
}
