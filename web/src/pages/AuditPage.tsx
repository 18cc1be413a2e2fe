import { ReloadOutlined } from '@ant-design/icons';
import { Button, Col, Input, Row, Table, type TableColumnsType, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { type AuditEntry, normalizePage, type Page } from '../api';
import { ErrorResult, PageTitle } from '../components/common';
import { fmtDateTime, orDash } from '../format';
import { tableChangeHandler, useApi, useUrlListState } from '../hooks';
import { useI18n } from '../i18n';

const FILTER_KEYS = ['objectType', 'objectId'] as const;

function Json({ value }: { value: unknown }) {
  if (value === undefined || value === null) return <Typography.Text type="secondary">—</Typography.Text>;
  return <pre className="json-block">{JSON.stringify(value, null, 2)}</pre>;
}

export default function AuditPage() {
  const { t } = useI18n();
  const list = useUrlListState(FILTER_KEYS, 50);
  const { data, loading, error, reload } = useApi<Page<AuditEntry> | AuditEntry[]>('/api/audit', list.query);
  const page = normalizePage(data);
  const typeFilter = list.filter('objectType');
  const idFilter = list.filter('objectId');
  const [objectType, setObjectType] = useState(typeFilter);
  const [objectId, setObjectId] = useState(idFilter);
  useEffect(() => setObjectType(typeFilter), [typeFilter]);
  useEffect(() => setObjectId(idFilter), [idFilter]);

  const columns = useMemo<TableColumnsType<AuditEntry>>(
    () => [
      { key: 'seq', dataIndex: 'seq', title: t('field.auditSeq'), align: 'right' },
      { key: 'at', dataIndex: 'at', title: t('field.at'), render: fmtDateTime },
      { key: 'actor', dataIndex: 'actor', title: t('field.actor') },
      { key: 'action', dataIndex: 'action', title: t('field.action'), render: (v: string) => <code>{v}</code> },
      { key: 'objectType', dataIndex: 'objectType', title: t('field.objectType') },
      {
        key: 'objectId',
        dataIndex: 'objectId',
        title: t('field.objectId'),
        render: (v: string | null) => <Typography.Text copyable={!!v}>{orDash(v)}</Typography.Text>,
      },
    ],
    [t],
  );

  if (error && !data) return <ErrorResult error={error} onRetry={reload} />;

  return (
    <>
      <PageTitle
        title={t('nav.audit')}
        extra={<Button icon={<ReloadOutlined />} onClick={reload} aria-label={t('common.refresh')} title={t('common.refresh')} />}
      />
      <Row gutter={[8, 8]} className="toolbar">
        <Col xs={24} sm={12} md={8} lg={6}>
          <Input.Search
            allowClear
            placeholder={t('audit.objectTypePlaceholder')}
            aria-label={t('field.objectType')}
            value={objectType}
            onChange={(e) => setObjectType(e.target.value)}
            onSearch={(v) => list.update({ objectType: v.trim(), page: 1 })}
            data-testid="audit-object-type"
          />
        </Col>
        <Col xs={24} sm={12} md={8} lg={6}>
          <Input.Search
            allowClear
            placeholder={t('audit.objectIdPlaceholder')}
            aria-label={t('field.objectId')}
            value={objectId}
            onChange={(e) => setObjectId(e.target.value)}
            onSearch={(v) => list.update({ objectId: v.trim(), page: 1 })}
            data-testid="audit-object-id"
          />
        </Col>
      </Row>
      <Table<AuditEntry>
        size="small"
        rowKey={(e) => String(e.seq)}
        loading={loading}
        columns={columns}
        dataSource={page.items}
        scroll={{ x: 'max-content' }}
        onChange={tableChangeHandler<AuditEntry>(list)}
        data-testid="audit-table"
        expandable={{
          rowExpandable: (e) => e.before !== undefined || e.after !== undefined,
          expandedRowRender: (e) => (
            <Row gutter={16}>
              <Col xs={24} md={12}>
                <Typography.Text strong>{t('field.before')}</Typography.Text>
                <Json value={e.before} />
              </Col>
              <Col xs={24} md={12}>
                <Typography.Text strong>{t('field.after')}</Typography.Text>
                <Json value={e.after} />
              </Col>
            </Row>
          ),
        }}
        pagination={{
          current: list.page,
          pageSize: list.pageSize,
          total: page.total,
          showSizeChanger: true,
          showTotal: (total) => t('common.total', { total }),
        }}
      />
    </>
  );
}
