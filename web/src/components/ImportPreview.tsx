import { DownloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, Flex, Select, Statistic, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { type HTMLAttributes, useMemo } from 'react';
import { type MessageKey, useI18n } from '../i18n';
import { downloadErrorFile, type ImportColumn, type ImportPreviewRow, type ImportReport, type ImportRowError } from './ImportClient';

const STATUS_COLOR: Record<ImportColumn['status'], string> = {
  mapped: 'green',
  ignored: 'default',
  unrecognised: 'orange',
  duplicate: 'orange',
  blank: 'orange',
};

const ACTION_COLOR: Record<ImportPreviewRow['action'], string> = {
  create: 'blue',
  update: 'gold',
  unchanged: 'default',
  reject: 'red',
};

/** What the server made of the file: columns, counts, problems and the first rows, errors highlighted. */
export default function ImportPreview(props: {
  report: ImportReport;
  /** Map a column (by its header) to a field, "ignore" it, or null to go back to the dictionary. */
  onMapColumn?: (header: string, field: string | null) => void;
}) {
  const { report, onMapColumn } = props;
  const { t, locale } = useI18n();
  const fieldLabel = useMemo(() => {
    const m = new Map(report.fields.map((f) => [f.key, locale === 'zh-CN' ? f.zh : f.en]));
    return (key: string | null) => (key ? (m.get(key) ?? key) : '');
  }, [report.fields, locale]);
  const fieldOptions = useMemo(
    () => [...report.fields.map((f) => ({ value: f.key, label: `${locale === 'zh-CN' ? f.zh : f.en} (${f.key})` })), { value: 'ignore', label: t('import.ignoreColumn') }],
    [report.fields, locale, t],
  );

  const planned = report.planned;
  const counts = report.counts;

  const columnTable: ColumnsType<ImportColumn> = [
    { title: t('import.col.ref'), dataIndex: 'ref', width: 56 },
    { title: t('import.col.header'), dataIndex: 'header', render: (h: string) => h || <Typography.Text type="secondary">—</Typography.Text> },
    {
      title: t('import.col.field'),
      key: 'field',
      render: (_: unknown, c) =>
        onMapColumn && c.header ? (
          <Select
            size="small"
            style={{ minWidth: 200 }}
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            placeholder={t('import.mapTo')}
            value={c.status === 'ignored' && c.source === 'mapping' ? 'ignore' : c.status === 'mapped' ? (c.field ?? undefined) : undefined}
            options={fieldOptions}
            onChange={(v: string | undefined) => onMapColumn(c.header, v ?? null)}
            data-testid={`import-map-${c.ref}`}
          />
        ) : (
          fieldLabel(c.field)
        ),
    },
    {
      title: t('import.col.status'),
      dataIndex: 'status',
      width: 110,
      render: (s: ImportColumn['status']) => <Tag color={STATUS_COLOR[s]}>{t(`import.status.${s}` as MessageKey)}</Tag>,
    },
  ];

  const errorTable: ColumnsType<ImportRowError> = [
    { title: t('import.err.row'), dataIndex: 'row', width: 64 },
    {
      title: t('import.err.column'),
      key: 'column',
      width: 180,
      render: (_: unknown, e) => (e.column ? `${e.columnRef} · ${e.column}` : '—'),
    },
    {
      title: t('import.err.reason'),
      key: 'reason',
      render: (_: unknown, e) => (
        <span>
          <Tag color="red">{e.code}</Tag>
          {e.message}
        </span>
      ),
    },
  ];

  const byRow = useMemo(() => {
    const m = new Map<number, ImportRowError[]>();
    for (const e of report.errors) m.set(e.row, [...(m.get(e.row) ?? []), e]);
    return m;
  }, [report.errors]);

  const previewColumns: ColumnsType<ImportPreviewRow> = [
    { title: t('import.err.row'), dataIndex: 'row', width: 60, fixed: 'left' },
    {
      title: t('import.action'),
      dataIndex: 'action',
      width: 84,
      render: (a: ImportPreviewRow['action']) => <Tag color={ACTION_COLOR[a]}>{t(`import.action.${a}` as MessageKey)}</Tag>,
    },
    ...report.columns.map((c, i) => ({
      title: (
        <Tooltip title={c.field ? fieldLabel(c.field) : t(`import.status.${c.status}` as MessageKey)}>
          <span style={{ color: c.status === 'mapped' ? undefined : '#999' }}>{c.header || c.ref}</span>
        </Tooltip>
      ),
      key: `c${c.index}`,
      render: (_: unknown, r: ImportPreviewRow) => {
        const text = r.cells[i] ?? '';
        const problems = (r.errors ?? byRow.get(r.row) ?? []).filter((e) => e.columnRef === c.ref);
        if (!problems.length) return <span style={{ whiteSpace: 'nowrap' }}>{text}</span>;
        return (
          <Tooltip title={problems.map((e) => e.message).join('; ')}>
            <span className="import-cell-error" data-testid={`import-cell-error-${r.row}-${c.ref}`} style={{ color: '#cf1322', fontWeight: 600, borderBottom: '2px solid #ff4d4f', whiteSpace: 'nowrap' }}>
              {text || '∅'}
            </span>
          </Tooltip>
        );
      },
    })),
  ];

  const fileItems = [
    { key: 'file', label: t('import.file'), children: report.file.name },
    { key: 'kind', label: t('import.kind'), children: <span data-testid="import-kind-result">{t(`import.kind.${report.kind}` as MessageKey)}{report.kindDetected ? ` (${t('import.detected')})` : ''}</span> },
    { key: 'format', label: t('import.format'), children: `${report.file.format.toUpperCase()}${report.file.encoding ? ` · ${report.file.encoding.toUpperCase()}` : ''}` },
    ...(report.file.sheet ? [{ key: 'sheet', label: t('import.sheet'), children: report.file.sheet }] : []),
    { key: 'header', label: t('import.headerRow'), children: report.file.headerRow },
    { key: 'rows', label: t('import.rows'), children: counts.rows },
  ];

  return (
    <Flex vertical gap={16}>
      <Card size="small">
        <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} items={fileItems} />
        {planned && (
          <Flex gap={32} wrap style={{ marginTop: 12 }} data-testid="import-planned">
            <Statistic title={t('import.willCreate')} value={planned.create} />
            <Statistic title={t('import.willUpdate')} value={planned.update} />
            <Statistic title={t('import.willKeep')} value={planned.unchanged} />
            <Statistic title={t('import.withErrors')} value={counts.rejected} styles={{ content: { color: counts.rejected ? '#cf1322' : undefined } }} />
          </Flex>
        )}
      </Card>

      {report.unrecognisedColumns.length > 0 && <Alert type="warning" showIcon title={t('import.unrecognised', { cols: report.unrecognisedColumns.join('、') })} data-testid="import-unrecognised" />}

      <Card size="small" title={t('import.columns')}>
        <Table<ImportColumn> rowKey="index" size="small" pagination={false} columns={columnTable} dataSource={report.columns} scroll={{ x: true }} data-testid="import-columns" />
      </Card>

      <Card
        size="small"
        title={report.errorsTotal ? <Typography.Text type="danger">{t('import.errors', { n: report.errorsTotal })}</Typography.Text> : t('import.noErrors')}
        extra={
          report.errorFile ? (
            <Button size="small" icon={<DownloadOutlined />} onClick={() => report.errorFile && downloadErrorFile(report.errorFile)} data-testid="import-download-errors">
              {t('import.downloadErrors')}
            </Button>
          ) : null
        }
      >
        {report.errorsTotal > report.errors.length && <Alert type="info" showIcon style={{ marginBottom: 8 }} title={t('import.errorsTruncated', { shown: report.errors.length, total: report.errorsTotal })} />}
        {report.errors.length > 0 && (
          <Table<ImportRowError>
            rowKey={(e) => `${e.row}-${e.columnRef ?? ''}-${e.code}`}
            size="small"
            columns={errorTable}
            dataSource={report.errors}
            pagination={report.errors.length > 10 ? { pageSize: 10, size: 'small' } : false}
            scroll={{ x: true }}
            onRow={(e) => ({ 'data-testid': `import-error-row-${e.row}` }) as HTMLAttributes<HTMLElement>}
            data-testid="import-errors"
          />
        )}
      </Card>

      {report.preview.length > 0 && (
        <Card size="small" title={t('import.previewRows', { n: report.preview.length })}>
          <Table<ImportPreviewRow>
            rowKey="row"
            size="small"
            pagination={false}
            columns={previewColumns}
            dataSource={report.preview}
            scroll={{ x: 'max-content' }}
            onRow={(r) => ({ style: r.action === 'reject' ? { background: '#fff1f0' } : undefined, 'data-testid': `import-preview-row-${r.row}` }) as HTMLAttributes<HTMLElement>}
            data-testid="import-preview"
          />
        </Card>
      )}
    </Flex>
  );
}
