import { InboxOutlined } from '@ant-design/icons';
import { Alert, App as AntApp, Button, Card, Checkbox, Col, Flex, Input, Result, Row, Select, Space, Spin, Upload } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { ApiError, newIdempotencyKey } from '../api';
import { PageTitle } from '../components/common';
import { IMPORT_KINDS, type ImportKind, type ImportReport, type SavedMapping, sendImport } from '../components/ImportClient';
import ImportPreview from '../components/ImportPreview';
import { useApi } from '../hooks';
import { type MessageKey, useI18n } from '../i18n';

const LIST_PATH: Record<ImportKind, string> = {
  customers: '/customers',
  suppliers: '/suppliers',
  invoices: '/invoices',
  bills: '/bills',
  receipts: '/receipts',
  payments: '/payments',
  contracts: '/contracts',
  purchase_contracts: '/contracts',
};

/**
 * 导入: choose what the file holds (or let the headers say), drop a CSV/XLSX file, look at what
 * the server recognised and every problem (a dry run: nothing is written), fix the mapping if a
 * column was not recognised, then import. The same file and options go to the server twice; the
 * import itself carries an Idempotency-Key.
 */
export default function ImportPage() {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const navigate = useNavigate();
  const mappings = useApi<SavedMapping[]>('/api/import/mappings');

  const [kind, setKind] = useState<ImportKind | 'auto'>('auto');
  const [mapping, setMapping] = useState<string | undefined>();
  const [validOnly, setValidOnly] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [sheet, setSheet] = useState<string | undefined>();
  const [columns, setColumns] = useState<Record<string, string>>({});
  const [saveName, setSaveName] = useState('');
  const [preview, setPreview] = useState<ImportReport | null>(null);
  const [checking, setChecking] = useState(false);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);
  const [result, setResult] = useState<ImportReport | null>(null);
  const latest = useRef(0);

  // The options the server checks the file with; the mapping name matters only when importing.
  const request = useCallback(
    (dryRun: boolean) => ({ kind: kind === 'auto' ? undefined : kind, mapping, sheet, columns, validOnly, dryRun }),
    [kind, mapping, sheet, columns, validOnly],
  );

  // Every change of file or options is checked again on the server (a dry run, nothing written).
  useEffect(() => {
    if (!file) return;
    const ticket = ++latest.current;
    setResult(null);
    setChecking(true);
    setPreviewError(null);
    sendImport(file, request(true))
      .then((report) => {
        if (ticket === latest.current) setPreview(report);
      })
      .catch((e: unknown) => {
        if (ticket !== latest.current) return;
        setPreview(null);
        setPreviewError(e instanceof ApiError ? e.message : String(e));
      })
      .finally(() => {
        if (ticket === latest.current) setChecking(false);
      });
  }, [file, request]);

  const choose = (f: File) => {
    setFile(f);
    setSheet(undefined);
    setColumns({});
    setResult(null);
    return false; // keep the file in the browser; the page sends it itself
  };

  const mapColumn = (header: string, field: string | null) => {
    setColumns((prev) => {
      const next = { ...prev };
      if (field === null) delete next[header];
      else next[header] = field;
      return next;
    });
  };

  const doImport = async () => {
    if (!file) return;
    setImporting(true);
    try {
      const report = await sendImport(file, { ...request(false), saveMapping: saveName.trim() || undefined }, newIdempotencyKey());
      setResult(report);
      if (report.status === 'imported') void message.success(t('import.doneTitle'));
      mappings.reload();
    } catch (e) {
      void message.error(e instanceof ApiError ? e.message : String(e));
    } finally {
      setImporting(false);
    }
  };

  const reset = () => {
    latest.current++;
    setFile(null);
    setPreview(null);
    setResult(null);
    setColumns({});
    setSheet(undefined);
    setSaveName('');
    setPreviewError(null);
  };

  const blocked = !!preview && preview.counts.rejected > 0 && !validOnly;
  const nothingToDo = !!preview?.planned && preview.planned.create + preview.planned.update === 0 && preview.counts.rejected === 0;

  if (result && result.status !== 'rejected') {
    const c = result.counts;
    return (
      <>
        <PageTitle title={t('import.title')} />
        <Card>
          <Result
            status={result.status === 'imported' ? 'success' : 'warning'}
            title={t(result.status === 'imported' ? 'import.doneTitle' : 'import.interruptedTitle')}
            subTitle={
              <span data-testid="import-result">
                {t('import.doneSummary', { created: c.created, updated: c.updated, unchanged: c.unchanged, rejected: c.rejected })}
              </span>
            }
            extra={[
              <Button key="list" type="primary" onClick={() => navigate(LIST_PATH[result.kind])}>
                {t(`import.kind.${result.kind}` as MessageKey)}
              </Button>,
              <Button key="again" onClick={reset} data-testid="import-again">
                {t('import.again')}
              </Button>,
            ]}
          />
          {result.counts.rejected > 0 && <ImportPreview report={result} />}
        </Card>
      </>
    );
  }

  return (
    <>
      <PageTitle title={t('import.title')} sub={t('import.subtitle')} />
      <Card style={{ marginBottom: 16 }}>
        <Row gutter={[16, 12]} align="middle">
          <Col xs={24} md={8}>
            <Select<ImportKind | 'auto'>
              style={{ width: '100%' }}
              value={kind}
              onChange={setKind}
              aria-label={t('import.kind')}
              data-testid="import-kind"
              options={[{ value: 'auto', label: t('import.kind.auto') }, ...IMPORT_KINDS.map((k) => ({ value: k, label: t(`import.kind.${k}` as MessageKey) }))]}
            />
          </Col>
          <Col xs={24} md={8}>
            <Select<string>
              style={{ width: '100%' }}
              allowClear
              value={mapping}
              onChange={setMapping}
              placeholder={t('import.mappingNone')}
              aria-label={t('import.mapping')}
              loading={mappings.loading}
              options={(mappings.data ?? []).map((m) => ({ value: m.name, label: `${m.name} · ${t(`import.kind.${m.kind}` as MessageKey)}` }))}
              data-testid="import-mapping"
            />
          </Col>
          <Col xs={24} md={8}>
            <Checkbox checked={validOnly} onChange={(e) => setValidOnly(e.target.checked)} data-testid="import-valid-only">
              {t('import.validOnly')}
            </Checkbox>
          </Col>
          <Col span={24}>
            <Upload.Dragger accept=".csv,.txt,.tsv,.xlsx" multiple={false} showUploadList={false} beforeUpload={choose} data-testid="import-upload">
              <p className="ant-upload-drag-icon">
                <InboxOutlined />
              </p>
              <p className="ant-upload-text">{file ? file.name : t('import.drop')}</p>
              <p className="ant-upload-hint">{t('import.dropHint')}</p>
            </Upload.Dragger>
          </Col>
        </Row>
      </Card>

      {previewError && <Alert type="error" showIcon title={previewError} style={{ marginBottom: 16 }} data-testid="import-file-error" />}

      {file && !preview && checking && (
        <Flex justify="center" style={{ padding: 32 }}>
          <Spin description={t('import.checking')}>
            <div style={{ width: 120, height: 40 }} />
          </Spin>
        </Flex>
      )}

      {preview && (
        <Spin spinning={checking}>
          {result?.status === 'rejected' && <Alert type="error" showIcon title={t('import.rejectedTitle')} style={{ marginBottom: 16 }} data-testid="import-rejected" />}
          <ImportPreview report={result ?? preview} onMapColumn={mapColumn} />
          <Card size="small" style={{ marginTop: 16 }}>
            <Flex gap={12} wrap align="center">
              {preview.file.sheets && preview.file.sheets.length > 1 && (
                <Select<string>
                  style={{ minWidth: 160 }}
                  value={sheet ?? preview.file.sheet ?? undefined}
                  onChange={setSheet}
                  aria-label={t('import.sheet')}
                  options={preview.file.sheets.map((s) => ({ value: s, label: s }))}
                  data-testid="import-sheet"
                />
              )}
              <Space.Compact style={{ maxWidth: 360 }}>
                <Space.Addon>{t('import.saveMapping')}</Space.Addon>
                <Input
                  value={saveName}
                  onChange={(e) => setSaveName(e.target.value)}
                  maxLength={64}
                  placeholder={t('import.saveMappingPlaceholder')}
                  aria-label={t('import.saveMapping')}
                  data-testid="import-save-mapping"
                />
              </Space.Compact>
              <span style={{ flex: 1 }} />
              {blocked && <Alert type="warning" showIcon title={t('import.blocked')} data-testid="import-blocked" />}
              {nothingToDo && <Alert type="info" showIcon title={t('import.nothingToDo')} />}
              <Button onClick={reset}>{t('common.cancel')}</Button>
              <Button type="primary" loading={importing} disabled={checking || blocked || nothingToDo} onClick={() => void doImport()} data-testid="import-submit">
                {validOnly && preview.counts.rejected > 0 ? t('import.submitValid') : t('import.submit')}
              </Button>
            </Flex>
          </Card>
        </Spin>
      )}
    </>
  );
}
