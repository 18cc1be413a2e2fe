import { ReloadOutlined } from '@ant-design/icons';
import { AutoComplete, Button, Col, Input, Row, Table, type TableColumnsType } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { normalizePage, type Page, type PartyListItem } from '../api';
import { Money, PageTitle } from '../components/common';
import { orDash } from '../format';
import { sortOrderOf, tableChangeHandler, useApi, useUrlListState } from '../hooks';
import { useI18n } from '../i18n';

export type PartyKind = 'customer' | 'supplier';

const FILTER_KEYS = ['q', 'region'] as const;

/** Regions seen in any list response this session; the server has no region catalogue endpoint. */
const seenRegions = new Set<string>();

export function partyBase(kind: PartyKind): string {
  return kind === 'customer' ? '/customers' : '/suppliers';
}

export default function PartyListPage({ kind }: { kind: PartyKind }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const list = useUrlListState(FILTER_KEYS);
  const base = partyBase(kind);
  const { data, loading, reload } = useApi<Page<PartyListItem>>(`/api${base}`, list.query);
  const page = normalizePage(data);

  const [q, setQ] = useState(list.filter('q'));
  const [region, setRegion] = useState(list.filter('region'));
  const qFilter = list.filter('q');
  const regionFilter = list.filter('region');
  useEffect(() => setQ(qFilter), [qFilter]);
  useEffect(() => setRegion(regionFilter), [regionFilter]);

  for (const p of page.items) if (p.region) seenRegions.add(p.region);
  const regionOptions = [...seenRegions]
    .filter((r) => !region || r.includes(region))
    .sort((a, b) => a.localeCompare(b, 'zh-CN'))
    .map((r) => ({ value: r }));

  const columns = useMemo<TableColumnsType<PartyListItem>>(
    () => [
      {
        key: 'code',
        dataIndex: 'code',
        title: t('field.code'),
        sorter: true,
        sortOrder: sortOrderOf(list, 'code'),
        render: (v: string, r) => (
          <Link to={`${base}/${r.id}`} onClick={(e) => e.stopPropagation()}>
            {v}
          </Link>
        ),
      },
      { key: 'name', dataIndex: 'name', title: t('field.name'), sorter: true, sortOrder: sortOrderOf(list, 'name') },
      {
        key: 'region',
        dataIndex: 'region',
        title: t('field.region'),
        sorter: true,
        sortOrder: sortOrderOf(list, 'region'),
        render: orDash,
      },
      {
        key: 'industry',
        dataIndex: 'industry',
        title: t('field.industry'),
        sorter: true,
        sortOrder: sortOrderOf(list, 'industry'),
        render: orDash,
      },
      { key: 'ownerName', dataIndex: 'ownerName', title: t('field.owner'), render: orDash },
      {
        key: 'open',
        dataIndex: 'open',
        title: t('field.openBalance'),
        align: 'right',
        sorter: true,
        sortOrder: sortOrderOf(list, 'open'),
        render: (v: string, r) => <Money value={v} currency={r.currency} testId={`party-open-${r.code}`} />,
      },
      {
        key: 'overdue',
        dataIndex: 'overdue',
        title: t('field.overdue'),
        align: 'right',
        sorter: true,
        sortOrder: sortOrderOf(list, 'overdue'),
        render: (v: string, r) => <Money value={v} currency={r.currency} danger />,
      },
    ],
    [t, list, base],
  );

  return (
    <>
      <PageTitle
        title={t(kind === 'customer' ? 'nav.customers' : 'nav.suppliers')}
        extra={
          <Button icon={<ReloadOutlined />} onClick={reload} aria-label={t('common.refresh')} title={t('common.refresh')} />
        }
      />
      <Row gutter={[8, 8]} className="toolbar">
        <Col xs={24} sm={12} md={8} lg={6}>
          <Input.Search
            allowClear
            placeholder={t('common.searchPlaceholder')}
            aria-label={t('common.search')}
            value={q}
            onChange={(e) => setQ(e.target.value)}
            onSearch={(v) => list.update({ q: v.trim(), page: 1 })}
            data-testid="party-search"
          />
        </Col>
        <Col xs={24} sm={12} md={8} lg={5}>
          <AutoComplete
            allowClear
            style={{ width: '100%' }}
            placeholder={t('party.regionPlaceholder')}
            aria-label={t('field.region')}
            options={regionOptions}
            value={region}
            onChange={(v: string | undefined) => {
              setRegion(v ?? '');
              if (!v) list.update({ region: undefined, page: 1 });
            }}
            onSelect={(v: string | undefined) => list.update({ region: v, page: 1 })}
            onBlur={() => {
              if (region.trim() !== regionFilter) list.update({ region: region.trim(), page: 1 });
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') list.update({ region: region.trim(), page: 1 });
            }}
            data-testid="party-region"
          />
        </Col>
      </Row>
      <Table<PartyListItem>
        className="clickable-rows"
        size="middle"
        rowKey="id"
        loading={loading}
        columns={columns}
        dataSource={page.items}
        scroll={{ x: 'max-content' }}
        onChange={tableChangeHandler<PartyListItem>(list)}
        onRow={(r) => ({ onClick: () => navigate(`${base}/${r.id}`) })}
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
