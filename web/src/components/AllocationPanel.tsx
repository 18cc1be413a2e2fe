import { Alert, App, Button, Card, Checkbox, Flex, Input, Statistic, Table, Tag, Typography } from 'antd';
import { useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { ApiError, type Candidate, endpoints, newIdempotencyKey, normalizePage, type Page, type Side } from '../api';
import { fmtDate, orDash } from '../format';
import { useApi } from '../hooks';
import { type MessageKey, useI18n } from '../i18n';
import { fromMinor, maxBig, minBig, scaleOf, toMinor } from '../money';
import { Money } from './common';
import { invoiceBase } from './DocTables';

interface LineState {
  checked: boolean;
  amount: string;
}

interface Receipt {
  id: string;
  currency: string;
  unapplied: string;
}

/** Accepts partial input while typing: digits and at most the currency's decimals. */
function typingOk(v: string, currency: string): boolean {
  const scale = scaleOf(currency);
  return scale === 0 ? /^\d*$/.test(v) : new RegExp(`^\\d*(\\.\\d{0,${scale}})?$`).test(v);
}

/** Per-line validation problem, or null. */
function lineProblem(c: Candidate, l: LineState | undefined): MessageKey | null {
  if (!l?.checked) return null;
  const amt = toMinor(l.amount, c.currency);
  if (amt === null || amt <= 0n) return 'alloc.invalidAmount';
  const open = toMinor(c.open, c.currency);
  if (open !== null && amt > open) return 'alloc.exceedsOpen';
  return null;
}

/**
 * Manual allocation (核销) of one receipt or payment to open installments. All amount arithmetic
 * is BigInt minor units. A line in another currency than the receipt is allowed but does not
 * count against the remaining unapplied amount (the server converts at its rate).
 */
export default function AllocationPanel({
  receipt,
  side,
  onDone,
}: {
  receipt: Receipt;
  side: Side;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { data, loading, reload } = useApi<Page<Candidate> | Candidate[]>(
    `/api/receipts/${encodeURIComponent(receipt.id)}/candidates`,
  );
  const candidates = normalizePage(data).items;
  const [lines, setLines] = useState<Record<string, LineState>>({});
  const [submitting, setSubmitting] = useState(false);
  const [showErrors, setShowErrors] = useState(false);
  const [serverError, setServerError] = useState<ApiError | null>(null);
  /** One Idempotency-Key per submission attempt; kept only when a retry of the identical body
   * after a network failure must not double-post. */
  const pending = useRef<{ key: string; body: string } | null>(null);

  const unapplied = toMinor(receipt.unapplied, receipt.currency) ?? 0n;

  /** Sum of checked, valid, same-currency line amounts. */
  const allocating = useMemo(() => {
    let sum = 0n;
    for (const c of candidates) {
      const l = lines[c.installmentId];
      if (!l?.checked || c.currency !== receipt.currency) continue;
      const m = toMinor(l.amount, c.currency);
      if (m !== null && m > 0n) sum += m;
    }
    return sum;
  }, [candidates, lines, receipt.currency]);
  const remaining = unapplied - allocating;

  const setLine = (id: string, patch: Partial<LineState>) => {
    setServerError(null);
    setLines((prev) => {
      const cur = prev[id] ?? { checked: false, amount: '' };
      return { ...prev, [id]: { ...cur, ...patch } };
    });
  };

  /** Checking a line proposes min(open, remaining unapplied) for it. */
  const toggle = (c: Candidate, checked: boolean) => {
    if (!checked) {
      setLine(c.installmentId, { checked: false, amount: '' });
      return;
    }
    const open = toMinor(c.open, c.currency) ?? 0n;
    const proposal = c.currency === receipt.currency ? minBig(open, maxBig(remaining, 0n)) : open;
    setLine(c.installmentId, { checked: true, amount: fromMinor(proposal, c.currency) });
  };

  const checkedLines = candidates.filter((c) => lines[c.installmentId]?.checked);
  const problems = new Map<string, MessageKey>();
  for (const c of candidates) {
    const p = lineProblem(c, lines[c.installmentId]);
    if (p) problems.set(c.installmentId, p);
  }
  const overUnapplied = remaining < 0n;

  const submit = async () => {
    setShowErrors(true);
    if (checkedLines.length === 0) {
      void message.warning(t('alloc.nothingSelected'));
      return;
    }
    if (problems.size > 0 || overUnapplied) return;
    const body = {
      receiptId: receipt.id,
      lines: checkedLines.map((c) => ({
        installmentId: c.installmentId,
        // normalised to the currency scale: "100" → "100.00"
        amount: fromMinor(toMinor(lines[c.installmentId]?.amount, c.currency) ?? 0n, c.currency),
      })),
    };
    const bodyText = JSON.stringify(body);
    if (!pending.current || pending.current.body !== bodyText) {
      pending.current = { key: newIdempotencyKey(), body: bodyText };
    }
    setSubmitting(true);
    setServerError(null);
    try {
      await endpoints.allocate(body, pending.current.key);
      pending.current = null;
      void message.success(t('alloc.done'));
      setLines({});
      setShowErrors(false);
      reload();
      onDone();
    } catch (e) {
      // A definite answer from the server ends this attempt; a network failure keeps the key so
      // that resubmitting the same lines replays instead of posting twice.
      if (!(e instanceof ApiError) || e.status !== 0) pending.current = null;
      if (e instanceof ApiError) setServerError(e);
    } finally {
      setSubmitting(false);
    }
  };

  const fullyApplied = unapplied <= 0n;
  const severalPayers = new Set(candidates.map((c) => c.partyName ?? '')).size > 1;
  const testKey = (c: Candidate) => `${c.invoiceNumber}-${c.seq}`;

  return (
    <Card title={t('alloc.title')} data-testid="alloc-panel">
      <Flex gap={32} wrap style={{ marginBottom: 12 }}>
        <Statistic
          title={t('field.unapplied')}
          formatter={() => <Money value={receipt.unapplied} currency={receipt.currency} />}
          styles={{ content: { fontSize: 18 } }}
        />
        <Statistic
          title={t('alloc.selected')}
          formatter={() => (
            <Money value={fromMinor(allocating, receipt.currency)} currency={receipt.currency} testId="alloc-selected" />
          )}
          styles={{ content: { fontSize: 18 } }}
        />
        <Statistic
          title={t('alloc.remaining')}
          formatter={() => (
            <span style={{ color: overUnapplied ? '#cf1322' : undefined }}>
              <Money value={fromMinor(remaining, receipt.currency)} currency={receipt.currency} testId="alloc-remaining" />
            </span>
          )}
          styles={{ content: { fontSize: 18 } }}
        />
      </Flex>
      {fullyApplied && <Alert type="success" showIcon title={t('alloc.fullyApplied')} style={{ marginBottom: 12 }} />}
      {showErrors && overUnapplied && (
        <Alert type="error" showIcon title={t('alloc.exceedsUnapplied')} style={{ marginBottom: 12 }} data-testid="alloc-error" />
      )}
      {serverError && (
        <Alert
          type="error"
          showIcon
          title={serverError.message}
          description={serverError.fields.length > 0 ? serverError.fields.join(', ') : undefined}
          style={{ marginBottom: 12 }}
          data-testid="alloc-server-error"
        />
      )}
      <Table<Candidate>
        size="small"
        rowKey="installmentId"
        loading={loading}
        dataSource={candidates}
        pagination={candidates.length > 20 ? { pageSize: 20, hideOnSinglePage: true } : false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('alloc.noCandidates') }}
        columns={[
          {
            key: 'select',
            title: t('alloc.select'),
            width: 64,
            render: (_, c) => (
              <Checkbox
                checked={lines[c.installmentId]?.checked ?? false}
                disabled={fullyApplied}
                onChange={(e) => toggle(c, e.target.checked)}
                aria-label={`${c.invoiceNumber} #${c.seq}`}
                data-testid={`alloc-check-${testKey(c)}`}
              />
            ),
          },
          {
            key: 'invoiceNumber',
            dataIndex: 'invoiceNumber',
            title: t('field.invoice'),
            render: (v: string, c) => <Link to={`${invoiceBase(side)}/${c.invoiceId}`}>{v}</Link>,
          },
          ...(severalPayers
            ? [{ key: 'partyName', dataIndex: 'partyName', title: t('field.party'), render: orDash }]
            : []),
          { key: 'seq', dataIndex: 'seq', title: t('field.seq') },
          { key: 'dueDate', dataIndex: 'dueDate', title: t('field.dueDate'), render: fmtDate },
          {
            key: 'amount',
            dataIndex: 'amount',
            title: t('field.amount'),
            align: 'right',
            render: (v: string, c) => <Money value={v} currency={c.currency} />,
          },
          {
            key: 'open',
            dataIndex: 'open',
            title: t('field.open'),
            align: 'right',
            render: (v: string, c) => (
              <>
                <Money value={v} currency={c.currency} strong />
                {c.currency !== receipt.currency && (
                  <Tag color="orange" style={{ marginInlineStart: 6 }}>
                    {t('alloc.otherCurrency')}
                  </Tag>
                )}
              </>
            ),
          },
          {
            key: 'allocate',
            title: t('alloc.allocateAmount'),
            width: 180,
            render: (_, c) => {
              const l = lines[c.installmentId];
              const problem = showErrors || (l?.amount ?? '') !== '' ? problems.get(c.installmentId) : undefined;
              return (
                <Flex vertical gap={2}>
                  <Input
                    size="small"
                    inputMode="decimal"
                    style={{ width: 160 }}
                    prefix={c.currency}
                    value={l?.amount ?? ''}
                    disabled={fullyApplied}
                    status={problem ? 'error' : undefined}
                    aria-label={`${t('alloc.allocateAmount')} ${c.invoiceNumber} #${c.seq}`}
                    data-testid={`alloc-amount-${testKey(c)}`}
                    onChange={(e) => {
                      const v = e.target.value.replace(/[,\s，]/g, '');
                      if (v !== '' && !typingOk(v, c.currency)) return;
                      // typing an amount selects the line
                      setLine(c.installmentId, { amount: v, checked: v !== '' ? true : (l?.checked ?? false) });
                    }}
                  />
                  {problem && (
                    <Typography.Text type="danger" style={{ fontSize: 12 }}>
                      {t(problem)}
                    </Typography.Text>
                  )}
                </Flex>
              );
            },
          },
        ]}
      />
      <Flex justify="flex-end" style={{ marginTop: 12 }}>
        <Button
          type="primary"
          loading={submitting}
          disabled={checkedLines.length === 0 || fullyApplied}
          onClick={() => void submit()}
          data-testid="alloc-submit"
        >
          {t('alloc.submit')}
        </Button>
      </Flex>
    </Card>
  );
}
