import { Checkbox, Col, Input, Row, Select } from 'antd';
import { useEffect, useState } from 'react';
import type { Side } from '../api';
import { PageTitle } from '../components/common';
import { InvoiceTable } from '../components/DocTables';
import { useUrlListState } from '../hooks';
import { useI18n } from '../i18n';

const FILTER_KEYS = ['q', 'status', 'openOnly'] as const;
export const INVOICE_STATUSES = ['open', 'partially_paid', 'paid', 'overdue', 'disputed', 'written_off'] as const;

export default function InvoiceListPage({ side }: { side: Side }) {
  const { t, td } = useI18n();
  const list = useUrlListState(FILTER_KEYS);
  const qFilter = list.filter('q');
  const [q, setQ] = useState(qFilter);
  useEffect(() => setQ(qFilter), [qFilter]);

  return (
    <>
      <PageTitle title={t(side === 'AR' ? 'nav.invoices' : 'nav.bills')} />
      <Row gutter={[8, 8]} className="toolbar" align="middle">
        <Col xs={24} sm={12} md={8} lg={6}>
          <Input.Search
            allowClear
            placeholder={t('common.docSearchPlaceholder')}
            aria-label={t('common.search')}
            value={q}
            onChange={(e) => setQ(e.target.value)}
            onSearch={(v) => list.update({ q: v.trim(), page: 1 })}
            data-testid="invoice-search"
          />
        </Col>
        <Col xs={24} sm={12} md={8} lg={5}>
          <Select
            allowClear
            style={{ width: '100%' }}
            placeholder={t('invoices.statusPlaceholder')}
            aria-label={t('field.status')}
            value={list.filter('status') || undefined}
            onChange={(v: string | undefined) => list.update({ status: v, page: 1 })}
            options={INVOICE_STATUSES.map((s) => ({ value: s, label: td('status', s) }))}
            data-testid="invoice-status-filter"
          />
        </Col>
        <Col xs={24} sm={12} md={8} lg={5}>
          <Checkbox
            checked={list.filter('openOnly') === 'true'}
            onChange={(e) => list.update({ openOnly: e.target.checked ? 'true' : undefined, page: 1 })}
            data-testid="invoice-open-only"
          >
            {t('invoices.openOnly')}
          </Checkbox>
        </Col>
      </Row>
      <InvoiceTable side={side} list={list} />
    </>
  );
}
