import { BankOutlined, LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, endpoints } from '../api';
import { useAuth } from '../auth';
import { LangSwitch, Loading } from '../components/common';
import { useI18n } from '../i18n';

interface LoginForm {
  username: string;
  password: string;
}

/** Only same-app paths are accepted as a post-login destination. */
function safeNext(next: string | null): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return '/';
  return next;
}

export default function LoginPage() {
  const { t } = useI18n();
  const { status, signedIn } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [params] = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const next = safeNext(params.get('next'));
  const expired = (location.state as { expired?: boolean } | null)?.expired === true;

  if (status === 'loading') return <Loading />;
  if (status === 'signedIn' && !submitting) return <Navigate to={next} replace />;

  const onFinish = async (values: LoginForm) => {
    setError(null);
    setSubmitting(true);
    try {
      const res = await endpoints.login(values.username.trim(), values.password);
      const user = res?.user ?? (await endpoints.me());
      signedIn(user);
      navigate(next, { replace: true });
    } catch (e) {
      setError(e instanceof ApiError && e.message ? e.message : t('login.failed'));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <div className="login-page">
      <Flex justify="flex-end" style={{ width: '100%', maxWidth: 380, marginBottom: 12 }}>
        <LangSwitch />
      </Flex>
      <Card className="login-card">
        <Flex vertical align="center" gap={4} style={{ marginBottom: 24 }}>
          <BankOutlined style={{ fontSize: 36, color: '#1677ff' }} />
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('app.name')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('app.subtitle')}</Typography.Text>
        </Flex>
        {expired && !error && (
          <Alert type="warning" showIcon title={t('common.sessionExpired')} style={{ marginBottom: 16 }} />
        )}
        {error && (
          <Alert type="error" showIcon title={error} data-testid="login-error" style={{ marginBottom: 16 }} />
        )}
        <Form<LoginForm> layout="vertical" onFinish={onFinish} requiredMark={false} disabled={submitting}>
          <Form.Item
            name="username"
            label={t('login.username')}
            rules={[{ required: true, whitespace: true, message: t('login.usernameRequired') }]}
          >
            <Input
              prefix={<UserOutlined />}
              autoComplete="username"
              autoFocus
              data-testid="login-username"
              size="large"
            />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('login.password')}
            rules={[{ required: true, message: t('login.passwordRequired') }]}
          >
            <Input.Password
              prefix={<LockOutlined />}
              autoComplete="current-password"
              data-testid="login-password"
              size="large"
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" block size="large" loading={submitting} data-testid="login-submit">
            {t('login.submit')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
