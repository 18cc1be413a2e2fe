import { Col, Input, Row, Segmented, Table, type TableColumnsType } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { type ContractListItem, normalizePage, type Page, type Side } from '../api';
import { Money, PageTitle } from '../components/common';
import { partyPath } from '../components/DocTables';
import { fmtDate, orDash } from '../format';
import { tableChangeHandler, useApi, useUrlListState } from '../hooks';
import { useI18n } from '../i18n';

const FILTER_KEYS = ['q', 'side'] as const;

export default function ContractListPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const list = useUrlListState(FILTER_KEYS);
  const side: Side = list.filter('side') === 'AP' ? 'AP' : 'AR';
  const { data, loading } = useApi<Page<ContractListItem>>('/api/contracts', { ...list.query, side });
  const page = normalizePage(data);
  const qFilter = list.filter('q');
  const [q, setQ] = useState(qFilter);
  useEffect(() => setQ(qFilter), [qFilter]);

  const columns = useMemo<TableColumnsType<ContractListItem>>(
    () => [
      {
        key: 'number',
        dataIndex: 'number',
        title: t('field.number'),
        render: (v: string, c) => (
          <Link to={`/contracts/${c.id}`} onClick={(e) => e.stopPropagation()} data-testid={`contract-link-${v}`}>
            {v}
          </Link>
        ),
      },
      { key: 'title', dataIndex: 'title', title: t('field.title') },
      {
        key: 'partyName',
        dataIndex: 'partyName',
        title: side === 'AR' ? t('field.customer') : t('field.supplier'),
        render: (v: string | null | undefined, c) => (
          <Link to={partyPath(c.side ?? side, c.partyId)} onClick={(e) => e.stopPropagation()}>
            {v || c.partyCode || c.partyId}
          </Link>
        ),
      },
      {
        key: 'total',
        dataIndex: 'total',
        title: t('field.total'),
        align: 'right',
        render: (v: string | null | undefined, c) => (v ? <Money value={v} currency={c.currency} /> : '—'),
      },
      { key: 'currency', dataIndex: 'currency', title: t('common.currency') },
      {
        key: 'currentVersion',
        dataIndex: 'currentVersion',
        title: t('field.currentVersion'),
        align: 'right',
        render: (v: number) => `v${v}`,
      },
      {
        key: 'signedOn',
        dataIndex: 'signedOn',
        title: t('field.signedOn'),
        render: (v: string | null) => (v ? fmtDate(v) : orDash(v)),
      },
    ],
    [t, side],
  );

  return (
    <>
      <PageTitle title={t('nav.contracts')} />
      <Row gutter={[8, 8]} className="toolbar" align="middle">
        <Col xs={24} sm={12} md={8} lg={6}>
          <Input.Search
            allowClear
            placeholder={t('common.docSearchPlaceholder')}
            aria-label={t('common.search')}
            value={q}
            onChange={(e) => setQ(e.target.value)}
            onSearch={(v) => list.update({ q: v.trim(), page: 1 })}
            data-testid="contract-search"
          />
        </Col>
        <Col xs={24} sm={12} md={8}>
          <Segmented
            value={side}
            onChange={(v) => list.update({ side: v === 'AP' ? 'AP' : undefined, page: 1 })}
            options={[
              { value: 'AR', label: t('side.AR') },
              { value: 'AP', label: t('side.AP') },
            ]}
            data-testid="contract-side"
          />
        </Col>
      </Row>
      <Table<ContractListItem>
        className="clickable-rows"
        size="middle"
        rowKey="id"
        loading={loading}
        columns={columns}
        dataSource={page.items}
        scroll={{ x: 'max-content' }}
        onChange={tableChangeHandler<ContractListItem>(list)}
        onRow={(c) => ({ onClick: () => navigate(`/contracts/${c.id}`) })}
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
