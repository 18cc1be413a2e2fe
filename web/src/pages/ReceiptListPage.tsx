import { Checkbox, Col, Input, Row } from 'antd';
import { useEffect, useState } from 'react';
import type { Side } from '../api';
import { PageTitle } from '../components/common';
import { ReceiptTable } from '../components/DocTables';
import { useUrlListState } from '../hooks';
import { useI18n } from '../i18n';

const FILTER_KEYS = ['q', 'unappliedOnly'] as const;

export default function ReceiptListPage({ side }: { side: Side }) {
  const { t } = useI18n();
  const list = useUrlListState(FILTER_KEYS);
  const qFilter = list.filter('q');
  const [q, setQ] = useState(qFilter);
  useEffect(() => setQ(qFilter), [qFilter]);

  return (
    <>
      <PageTitle title={t(side === 'AR' ? 'nav.receipts' : 'nav.payments')} />
      <Row gutter={[8, 8]} className="toolbar" align="middle">
        <Col xs={24} sm={12} md={8} lg={6}>
          <Input.Search
            allowClear
            placeholder={t('common.docSearchPlaceholder')}
            aria-label={t('common.search')}
            value={q}
            onChange={(e) => setQ(e.target.value)}
            onSearch={(v) => list.update({ q: v.trim(), page: 1 })}
            data-testid="receipt-search"
          />
        </Col>
        <Col xs={24} sm={12} md={8}>
          <Checkbox
            checked={list.filter('unappliedOnly') === 'true'}
            onChange={(e) => list.update({ unappliedOnly: e.target.checked ? 'true' : undefined, page: 1 })}
            data-testid="receipt-unapplied-only"
          >
            {t('receipts.unappliedOnly')}
          </Checkbox>
        </Col>
      </Row>
      <ReceiptTable side={side} list={list} />
    </>
  );
}
