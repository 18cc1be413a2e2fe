import { ArrowLeftOutlined, GlobalOutlined } from '@ant-design/icons';
import { Button, Flex, Result, Spin, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import type { ApiError } from '../api';
import { useI18n } from '../i18n';
import { formatMoney, signOf } from '../money';

export function Money(props: {
  value: string | null | undefined;
  currency?: string | null | undefined;
  testId?: string;
  /** Colour positive values red (overdue amounts). */
  danger?: boolean;
  strong?: boolean;
}) {
  const { value, currency, testId, danger, strong } = props;
  const text = formatMoney(value, currency ?? 'CNY');
  const red = danger && signOf(value) > 0;
  return (
    <span
      data-testid={testId}
      className="money"
      style={{ color: red ? '#cf1322' : undefined, fontWeight: strong ? 600 : undefined }}
    >
      {text}
    </span>
  );
}

const STATUS_COLORS: Record<string, string> = {
  open: 'blue',
  partially_paid: 'gold',
  paid: 'green',
  overdue: 'red',
  disputed: 'purple',
  written_off: 'default',
};

export function StatusTag({ status }: { status: string | null | undefined }) {
  const { td } = useI18n();
  if (!status) return null;
  return (
    <Tag color={STATUS_COLORS[status] ?? 'default'} data-status={status}>
      {td('status', status)}
    </Tag>
  );
}

export function KindTag({ kind, side }: { kind: string | null | undefined; side?: 'AR' | 'AP' | undefined }) {
  const { td, t } = useI18n();
  if (!kind || kind === 'invoice') return null;
  if (kind === 'credit_note') {
    return <Tag color="red">{side === 'AP' ? t('kind.bill_credit_note') : t('kind.credit_note')}</Tag>;
  }
  return <Tag>{td('kind', kind)}</Tag>;
}

export function PageTitle(props: { title: ReactNode; back?: boolean; extra?: ReactNode; sub?: ReactNode }) {
  const navigate = useNavigate();
  const { t } = useI18n();
  return (
    <Flex className="page-title" align="center" justify="space-between" wrap gap={8}>
      <Flex align="center" gap={8} wrap style={{ minWidth: 0 }}>
        {props.back && (
          <Button
            type="text"
            icon={<ArrowLeftOutlined />}
            aria-label={t('common.back')}
            title={t('common.back')}
            onClick={() => navigate(-1)}
          />
        )}
        <Typography.Title level={4} style={{ margin: 0 }}>
          {props.title}
        </Typography.Title>
        {props.sub}
      </Flex>
      {props.extra && <Flex gap={8} wrap>{props.extra}</Flex>}
    </Flex>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <Flex justify="center" align="center" style={{ padding: 48 }}>
      <Spin description={t('common.loading')} />
    </Flex>
  );
}

export function ErrorResult({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  if (error.status === 404) {
    return (
      <Result
        status="404"
        title={t('common.notFound')}
        subTitle={error.message}
        extra={<Button onClick={() => navigate(-1)}>{t('common.back')}</Button>}
      />
    );
  }
  return (
    <Result
      status={error.status === 403 ? '403' : 'error'}
      title={t('common.error')}
      subTitle={error.message}
      extra={onRetry && <Button onClick={onRetry}>{t('common.retry')}</Button>}
    />
  );
}

export function LangSwitch() {
  const { t, locale, setLocale } = useI18n();
  return (
    <Button
      data-testid="lang-switch"
      icon={<GlobalOutlined />}
      title={t('header.switchToTitle')}
      lang={locale === 'zh-CN' ? 'en' : 'zh-CN'}
      onClick={() => setLocale(locale === 'zh-CN' ? 'en-US' : 'zh-CN')}
    >
      {t('header.switchTo')}
    </Button>
  );
}
