import { CheckCircleFilled, CloseCircleFilled, DeleteOutlined, InboxOutlined } from '@ant-design/icons';
import { App as AntApp, Button, Card, Checkbox, Col, Flex, Grid, Input, Row, Space, Spin, Table, Tag, Tooltip, Typography, Upload } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { type ReactNode, useCallback, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { newIdempotencyKey } from '../api';
import { PageTitle } from '../components/common';
import {
  type DocResult,
  DocImportError,
  type DocTarget,
  type EInvoiceDocument,
  type EInvoiceResult,
  guessTarget,
  type StatementResult,
  sendDocument,
  sumDecimals,
} from '../components/DocumentImportClient';
import { type MessageKey, useI18n } from '../i18n';
import { formatMoney } from '../money';

const ACCEPT = '.xml,.sta,.txt,.940,.mt940,.942,.bai,.bai2,.ofx,.qfx,.csv,.tsv,.xlsx';

/** A refusal shown on its row: the named reason, and the document when it could be read. */
interface RowError {
  code: string;
  message: string;
  document: EInvoiceDocument | null;
}

interface DocRow {
  key: string;
  file: File;
  target: DocTarget;
  /** One key per file: a retried import replays instead of writing twice. */
  idempotencyKey: string;
  phase: 'checking' | 'checked' | 'importing' | 'imported';
  preview: DocResult | null;
  previewError: RowError | null;
  result: DocResult | null;
  resultError: RowError | null;
  /** Import a statement whose balances do not add up (the user ticked it). */
  acceptMismatch: boolean;
}

/** A credit note whose invoice is in the same batch: tried again once the invoices are in. */
const RETRY_AFTER_INVOICES = new Set(['original_not_found']);

function toRowError(e: unknown): RowError {
  if (e instanceof DocImportError) return { code: e.code, message: e.message, document: e.document };
  return { code: 'error', message: e instanceof Error ? e.message : String(e), document: null };
}

/** What importing the row would do, from its dry run: nothing, something, or a retry after the invoices. */
function plan(row: DocRow): 'import' | 'retry' | 'nothing' | 'blocked' {
  if (row.previewError) return RETRY_AFTER_INVOICES.has(row.previewError.code) ? 'retry' : 'blocked';
  const p = row.preview;
  if (!p) return 'blocked';
  if (p.target === 'statement') {
    if (!p.statement.balance.ok && !row.acceptMismatch) return 'blocked';
    return p.statement.counts.created > 0 ? 'import' : 'nothing';
  }
  return p.einvoice.outcome === 'planned' ? 'import' : 'nothing';
}

function Check(props: { ok: boolean; testId: string; children?: ReactNode }) {
  return (
    <Space size={4} align="start" data-testid={props.testId}>
      {props.ok ? <CheckCircleFilled style={{ color: '#52c41a' }} /> : <CloseCircleFilled style={{ color: '#ff4d4f' }} />}
      <span>{props.children}</span>
    </Space>
  );
}

/**
 * 流水与电子发票: drop bank statements and e-invoices together; each file is checked on the server
 * (a dry run: format, what it holds, its control totals), then "import all" imports every file
 * that has something to import, each with its own Idempotency-Key, and shows what was created.
 */
export default function DocumentImportPage() {
  const { t, td } = useI18n();
  const { message } = AntApp.useApp();
  const [rows, setRows] = useState<DocRow[]>([]);
  const [entity, setEntity] = useState('');
  const [importing, setImporting] = useState(false);
  // Phones get one card per file instead of a wide table.
  const narrow = Grid.useBreakpoint().md === false;
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const entityRef = useRef(entity);
  entityRef.current = entity;
  const checkedEntity = useRef('');

  const update = useCallback((key: string, patch: Partial<DocRow>) => {
    setRows((prev) => prev.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  }, []);

  const check = useCallback(
    async (key: string, file: File, target: DocTarget) => {
      update(key, { phase: 'checking', preview: null, previewError: null, result: null, resultError: null });
      try {
        // acceptMismatch on the dry run: the summary and the failed check are shown either way.
        const preview = await sendDocument(file, target, { dryRun: true, entity: entityRef.current.trim() || undefined, acceptMismatch: true });
        update(key, { phase: 'checked', preview, target: preview.target });
      } catch (e) {
        update(key, { phase: 'checked', previewError: toRowError(e), ...(e instanceof DocImportError ? { target: e.target } : {}) });
      }
    },
    [update],
  );

  const add = async (file: File) => {
    const key = `${file.name}-${file.size}-${file.lastModified}-${Math.random().toString(36).slice(2, 8)}`;
    const target = await guessTarget(file);
    const row: DocRow = {
      key,
      file,
      target,
      idempotencyKey: newIdempotencyKey(),
      phase: 'checking',
      preview: null,
      previewError: null,
      result: null,
      resultError: null,
      acceptMismatch: false,
    };
    checkedEntity.current = entityRef.current.trim();
    setRows((prev) => [...prev, row]);
    await check(key, file, target);
  };

  /** A changed entity changes every plan: check the files not imported yet again. */
  const entityChanged = () => {
    const now = entity.trim();
    if (now === checkedEntity.current) return;
    checkedEntity.current = now;
    for (const r of rowsRef.current) if (r.phase === 'checked') void check(r.key, r.file, r.target);
  };

  const importAll = async () => {
    setImporting(true);
    try {
      const entityCode = entity.trim() || undefined;
      const current = rowsRef.current.filter((r) => r.phase === 'checked');
      const order = (r: DocRow) => {
        const p = plan(r);
        if (p === 'retry') return 3;
        if (r.preview?.target === 'einvoice') return r.preview.einvoice.kind === 'credit_note' ? 2 : 1;
        return 0;
      };
      const todo = current.filter((r) => ['import', 'retry'].includes(plan(r))).sort((a, b) => order(a) - order(b));
      let failed = 0;
      for (const r of todo) {
        update(r.key, { phase: 'importing' });
        try {
          const result = await sendDocument(r.file, r.target, {
            dryRun: false,
            entity: entityCode,
            acceptMismatch: r.acceptMismatch,
            idempotencyKey: r.idempotencyKey,
          });
          update(r.key, { phase: 'imported', result, resultError: null });
        } catch (e) {
          failed++;
          update(r.key, { phase: 'imported', result: null, resultError: toRowError(e) });
        }
      }
      if (todo.length) {
        if (failed) void message.warning(t('docimport.someFailed', { n: failed }));
        else void message.success(t('docimport.allDone', { n: todo.length }));
      }
    } finally {
      setImporting(false);
    }
  };

  const remove = (key: string) => setRows((prev) => prev.filter((r) => r.key !== key));
  const clear = () => setRows([]);

  const ready = rows.filter((r) => r.phase === 'checked' && ['import', 'retry'].includes(plan(r))).length;
  const busy = rows.some((r) => r.phase === 'checking' || r.phase === 'importing');

  const fileCell = (r: DocRow) => (
    <Space orientation="vertical" size={2}>
      <Typography.Text strong style={{ wordBreak: 'break-all' }}>
        {r.file.name}
      </Typography.Text>
      <Tag color={r.target === 'einvoice' ? 'purple' : 'cyan'}>{t(r.target === 'einvoice' ? 'docimport.kind.einvoice' : 'docimport.kind.statement')}</Tag>
    </Space>
  );
  const removeButton = (r: DocRow) => (
    <Tooltip title={t('docimport.remove')}>
      <Button type="text" size="small" icon={<DeleteOutlined />} aria-label={t('docimport.remove')} disabled={r.phase === 'importing'} onClick={() => remove(r.key)} />
    </Tooltip>
  );

  const columns: ColumnsType<DocRow> = [
    {
      title: t('docimport.file'),
      key: 'file',
      width: 220,
      render: (_: unknown, r) => fileCell(r),
    },
    {
      title: t('docimport.format'),
      key: 'format',
      width: 120,
      render: (_: unknown, r) => formatOf(r) ?? <Typography.Text type="secondary">—</Typography.Text>,
    },
    {
      title: t('docimport.content'),
      key: 'content',
      render: (_: unknown, r) => <Content row={r} />,
    },
    {
      title: t('docimport.check'),
      key: 'check',
      width: 200,
      render: (_: unknown, r) => <ControlCheck row={r} onAccept={(v) => update(r.key, { acceptMismatch: v })} />,
    },
    {
      title: t('docimport.result'),
      key: 'result',
      width: 300,
      render: (_: unknown, r) => <Outcome row={r} />,
    },
    {
      key: 'remove',
      width: 48,
      render: (_: unknown, r) => removeButton(r),
    },
  ];

  return (
    <>
      <PageTitle title={t('docimport.title')} sub={t('docimport.subtitle')} />
      <Card style={{ marginBottom: 16 }}>
        <Row gutter={[16, 12]} align="middle">
          <Col xs={24} md={10}>
            <Space.Compact style={{ width: '100%' }}>
              <Space.Addon>{t('docimport.entity')}</Space.Addon>
              <Input
                value={entity}
                onChange={(e) => setEntity(e.target.value)}
                onBlur={entityChanged}
                onPressEnter={entityChanged}
                maxLength={32}
                placeholder={t('docimport.entityPlaceholder')}
                aria-label={t('docimport.entity')}
                data-testid="docimport-entity"
              />
            </Space.Compact>
          </Col>
          <Col xs={24} md={14}>
            <Typography.Text type="secondary">{t('docimport.entityHelp')}</Typography.Text>
          </Col>
          <Col span={24}>
            <Upload.Dragger
              accept={ACCEPT}
              multiple
              showUploadList={false}
              beforeUpload={(file) => {
                void add(file);
                return false; // the page sends the file itself
              }}
              data-testid="docimport-upload"
            >
              <p className="ant-upload-drag-icon">
                <InboxOutlined />
              </p>
              <p className="ant-upload-text">{t('docimport.drop')}</p>
              <p className="ant-upload-hint">{t('docimport.dropHint')}</p>
            </Upload.Dragger>
          </Col>
        </Row>
      </Card>

      {rows.length > 0 && (
        <Card size="small">
          {narrow ? (
            <Flex vertical gap={12}>
              {rows.map((r) => (
                <Card key={r.key} size="small" data-testid={`docimport-row-${r.file.name}`}>
                  <Flex vertical gap={8}>
                    <Flex justify="space-between" align="start" gap={8}>
                      {fileCell(r)}
                      {removeButton(r)}
                    </Flex>
                    {formatOf(r) && <Typography.Text type="secondary">{formatOf(r)}</Typography.Text>}
                    <Content row={r} />
                    <ControlCheck row={r} onAccept={(v) => update(r.key, { acceptMismatch: v })} />
                    <Outcome row={r} />
                  </Flex>
                </Card>
              ))}
            </Flex>
          ) : (
            <Table<DocRow>
              rowKey="key"
              size="small"
              columns={columns}
              dataSource={rows}
              pagination={false}
              scroll={{ x: 1100 }}
              onRow={(r) => ({ 'data-testid': `docimport-row-${r.file.name}` }) as React.HTMLAttributes<HTMLElement>}
            />
          )}
          <Flex gap={12} wrap align="center" justify="flex-end" style={{ marginTop: 16 }}>
            <Typography.Text type="secondary" data-testid="docimport-ready">
              {t('docimport.ready', { n: ready, total: rows.length })}
            </Typography.Text>
            <span style={{ flex: 1 }} />
            <Button onClick={clear} disabled={importing}>
              {t('docimport.clear')}
            </Button>
            <Button type="primary" loading={importing} disabled={busy || ready === 0} onClick={() => void importAll()} data-testid="docimport-submit">
              {t('docimport.importAll')}
            </Button>
          </Flex>
        </Card>
      )}
    </>
  );

  function formatOf(r: DocRow): string | null {
    const res = r.result ?? r.preview;
    if (res?.target === 'statement') return `${res.statement.format}${res.statement.version ? ` ${res.statement.version}` : ''}`;
    const doc = res?.target === 'einvoice' ? res.einvoice.document : (r.previewError?.document ?? null);
    return doc ? td('docimport.syntax', doc.syntax) : null;
  }
}

/** Credits and debits of a statement: count and sum per currency. */
function directionTotals(s: StatementResult, direction: 'credit' | 'debit'): { count: number; sums: string[] } {
  const lines = s.lines.filter((l) => l.direction === direction);
  const byCurrency = new Map<string, string[]>();
  for (const l of lines) byCurrency.set(l.currency, [...(byCurrency.get(l.currency) ?? []), l.amount]);
  return { count: lines.length, sums: [...byCurrency].map(([cur, amounts]) => formatMoney(sumDecimals(amounts), cur)) };
}

function Content({ row }: { row: DocRow }) {
  const { t } = useI18n();
  if (row.phase === 'checking') {
    return (
      <Space>
        <Spin size="small" />
        <Typography.Text type="secondary">{t('docimport.checking')}</Typography.Text>
      </Space>
    );
  }
  const res = row.preview ?? row.result;
  if (res?.target === 'statement') {
    const s = res.statement;
    const credits = directionTotals(s, 'credit');
    const debits = directionTotals(s, 'debit');
    return (
      <Space orientation="vertical" size={0} data-testid="docimport-summary">
        {s.statements.map((st) => (
          <Typography.Text key={st.id} style={{ wordBreak: 'break-all' }}>
            {st.account} · {st.currency}
            {st.fromDate || st.toDate ? ` · ${st.fromDate ?? ''} ~ ${st.toDate ?? ''}` : ''}
          </Typography.Text>
        ))}
        <Typography.Text>
          {t('docimport.lines', { n: s.counts.lines })} · {t('docimport.credits', { n: credits.count })} {credits.sums.join(' + ') || '—'} ·{' '}
          {t('docimport.debits', { n: debits.count })} {debits.sums.join(' + ') || '—'}
        </Typography.Text>
      </Space>
    );
  }
  const doc = res?.target === 'einvoice' ? res.einvoice.document : (row.previewError?.document ?? null);
  if (doc) {
    return (
      <Space orientation="vertical" size={0} data-testid="docimport-summary">
        <Typography.Text>
          {t(doc.documentType === 'credit_note' ? 'docimport.creditNote' : 'docimport.invoice')} <Typography.Text strong>{doc.invoiceCode ? `${doc.invoiceCode}-${doc.number}` : doc.number}</Typography.Text> · {doc.issueDate} ·{' '}
          {t('docimport.total')} <Typography.Text strong>{formatMoney(doc.total, doc.currency)}</Typography.Text>
        </Typography.Text>
        <Typography.Text type="secondary">
          {t('docimport.seller')} {doc.seller.name ?? '—'}
          {doc.seller.taxId ? ` (${doc.seller.taxId})` : ''}
        </Typography.Text>
        <Typography.Text type="secondary">
          {t('docimport.buyer')} {doc.buyer.name ?? '—'}
          {doc.buyer.taxId ? ` (${doc.buyer.taxId})` : ''}
        </Typography.Text>
      </Space>
    );
  }
  return <Typography.Text type="secondary">—</Typography.Text>;
}

function ControlCheck({ row, onAccept }: { row: DocRow; onAccept: (v: boolean) => void }) {
  const { t } = useI18n();
  const res = row.preview ?? row.result;
  if (res?.target === 'statement') {
    const b = res.statement.balance;
    if (b.ok) {
      return (
        <Check ok testId="docimport-check">
          {b.checked.length ? t('docimport.balanceOk', { checks: b.checked.join(', ') }) : t('docimport.nothingToCheck')}
        </Check>
      );
    }
    return (
      <Space orientation="vertical" size={4}>
        <Check ok={false} testId="docimport-check">
          {b.issues.map((i) => i.message).join('; ')}
        </Check>
        {row.phase === 'checked' && (
          <Checkbox checked={row.acceptMismatch} onChange={(e) => onAccept(e.target.checked)} data-testid="docimport-accept-mismatch">
            {t('docimport.acceptMismatch')}
          </Checkbox>
        )}
      </Space>
    );
  }
  const check = res?.target === 'einvoice' ? res.einvoice.document.check : (row.previewError?.document?.check ?? null);
  if (!check) return <Typography.Text type="secondary">—</Typography.Text>;
  return (
    <Check ok={check.ok} testId="docimport-check">
      {check.ok
        ? t('docimport.totalsOk', { rules: check.checked.join(', ') || '—' })
        : check.issues.map((i) => t('docimport.totalsIssue', { rule: i.rule, expected: i.expected, actual: i.actual })).join('; ')}
    </Check>
  );
}

function ErrorText({ error, testId }: { error: RowError; testId: string }) {
  return (
    <Typography.Text type="danger" data-testid={testId}>
      <Tag color="red">{error.code}</Tag>
      {error.message}
    </Typography.Text>
  );
}

function statementLinks(s: StatementResult, t: ReturnType<typeof useI18n>['t']) {
  return (
    <Space size={12}>
      <Link to="/receipts">{t('docimport.toReceipts')}</Link>
      {s.lines.some((l) => l.direction === 'debit') && <Link to="/payments">{t('docimport.toPayments')}</Link>}
    </Space>
  );
}

function einvoiceLink(e: EInvoiceResult, t: ReturnType<typeof useI18n>['t']) {
  if (!e.invoiceId) return null;
  return (
    <Link to={`/${e.side === 'AR' ? 'invoices' : 'bills'}/${e.invoiceId}`} data-testid="docimport-invoice-link">
      {t(e.side === 'AR' ? 'docimport.toInvoice' : 'docimport.toBill', { number: e.number })}
    </Link>
  );
}

function Outcome({ row }: { row: DocRow }) {
  const { t, td } = useI18n();
  if (row.phase === 'checking') return null;
  if (row.phase === 'importing') return <Spin size="small" />;
  if (row.phase === 'imported') {
    if (row.resultError) return <ErrorText error={row.resultError} testId="docimport-error" />;
    const r = row.result;
    if (r?.target === 'statement') {
      const c = r.statement.counts;
      return (
        <Space orientation="vertical" size={2} data-testid="docimport-result">
          <Typography.Text type="success">{t('docimport.statementDone', { created: c.created, receipts: c.receipts, payments: c.payments, duplicates: c.duplicates, rejected: c.rejected })}</Typography.Text>
          {statementLinks(r.statement, t)}
        </Space>
      );
    }
    if (r?.target === 'einvoice') {
      const e = r.einvoice;
      return (
        <Space orientation="vertical" size={2} data-testid="docimport-result">
          <Typography.Text type={e.outcome === 'created' ? 'success' : 'secondary'}>
            {t(e.outcome === 'created' ? 'docimport.einvoiceCreated' : 'docimport.einvoiceDuplicate', { side: t(sideKey(e)), party: e.party.code })}
          </Typography.Text>
          {einvoiceLink(e, t)}
        </Space>
      );
    }
  }
  // Checked, not imported yet: what the import would do.
  if (row.previewError) {
    return (
      <Space orientation="vertical" size={2}>
        <ErrorText error={row.previewError} testId="docimport-error" />
        {RETRY_AFTER_INVOICES.has(row.previewError.code) && <Typography.Text type="secondary">{t('docimport.retryAfterInvoices')}</Typography.Text>}
      </Space>
    );
  }
  const p = row.preview;
  if (p?.target === 'statement') {
    const c = p.statement.counts;
    const reasons = new Map<string, number>();
    for (const l of p.statement.lines) if (l.outcome === 'rejected') reasons.set(l.reason ?? '?', (reasons.get(l.reason ?? '?') ?? 0) + 1);
    return (
      <Space orientation="vertical" size={2} data-testid="docimport-plan">
        <Typography.Text type={c.created ? undefined : 'secondary'}>
          {c.created ? t('docimport.statementPlan', { created: c.created, receipts: c.receipts, payments: c.payments, unidentified: c.unidentified }) : t('docimport.statementNothing')}
        </Typography.Text>
        {(c.duplicates > 0 || c.rejected > 0) && (
          <Typography.Text type="secondary">
            {t('docimport.statementSkips', { duplicates: c.duplicates, rejected: c.rejected })}
            {reasons.size > 0 && ` (${[...reasons].map(([k, n]) => `${td('docimport.reason', k)} ${n}`).join(', ')})`}
          </Typography.Text>
        )}
      </Space>
    );
  }
  if (p?.target === 'einvoice') {
    const e = p.einvoice;
    if (e.outcome === 'duplicate') {
      return (
        <Space orientation="vertical" size={2} data-testid="docimport-plan">
          <Typography.Text type="secondary">{t('docimport.einvoiceDuplicate', { side: t(sideKey(e)), party: e.party.code })}</Typography.Text>
          {einvoiceLink(e, t)}
        </Space>
      );
    }
    return (
      <Space orientation="vertical" size={2} data-testid="docimport-plan">
        <Typography.Text>{t('docimport.einvoicePlan', { side: t(sideKey(e)), number: e.number })}</Typography.Text>
        <Typography.Text type="secondary">
          {t(e.side === 'AR' ? 'docimport.customer' : 'docimport.supplier')} {e.party.code} {e.party.name} · {t(e.party.matchedBy === 'tax_id' ? 'docimport.byTaxId' : 'docimport.byName')}
        </Typography.Text>
      </Space>
    );
  }
  return null;
}

function sideKey(e: EInvoiceResult): MessageKey {
  if (e.kind === 'credit_note') return e.side === 'AR' ? 'docimport.side.arCredit' : 'docimport.side.apCredit';
  return e.side === 'AR' ? 'docimport.side.ar' : 'docimport.side.ap';
}
