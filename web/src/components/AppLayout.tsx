import {
  ApiOutlined,
  AuditOutlined,
  BankOutlined,
  CheckSquareOutlined,
  ContainerOutlined,
  DollarOutlined,
  FileDoneOutlined,
  FileTextOutlined,
  HomeOutlined,
  ImportOutlined,
  InteractionOutlined,
  LineChartOutlined,
  LogoutOutlined,
  MenuOutlined,
  PhoneOutlined,
  ProfileOutlined,
  SafetyCertificateOutlined,
  ShopOutlined,
  TeamOutlined,
  UserOutlined,
  WalletOutlined,
} from '@ant-design/icons';
import { Button, Drawer, Grid, Layout, Menu, type MenuProps } from 'antd';
import { type ReactNode, Suspense, useState } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth';
import { type MessageKey, useI18n } from '../i18n';
import { LangSwitch, Loading } from './common';

const NAV: { path: string; key: MessageKey; icon: ReactNode }[] = [
  { path: '/', key: 'nav.home', icon: <HomeOutlined /> },
  { path: '/aging', key: 'nav.aging', icon: <LineChartOutlined /> },
  { path: '/collections', key: 'nav.collections', icon: <PhoneOutlined /> },
  { path: '/credit/check', key: 'nav.creditCheck', icon: <SafetyCertificateOutlined /> },
  { path: '/approvals', key: 'nav.approvals', icon: <CheckSquareOutlined /> },
  { path: '/customers', key: 'nav.customers', icon: <TeamOutlined /> },
  { path: '/suppliers', key: 'nav.suppliers', icon: <ShopOutlined /> },
  { path: '/contracts', key: 'nav.contracts', icon: <ProfileOutlined /> },
  { path: '/invoices', key: 'nav.invoices', icon: <FileTextOutlined /> },
  { path: '/bills', key: 'nav.bills', icon: <FileDoneOutlined /> },
  { path: '/receipts', key: 'nav.receipts', icon: <WalletOutlined /> },
  { path: '/reconciliation', key: 'nav.reconciliation', icon: <InteractionOutlined /> },
  { path: '/payments', key: 'nav.payments', icon: <DollarOutlined /> },
  { path: '/import', key: 'nav.import', icon: <ImportOutlined /> },
  { path: '/import/documents', key: 'nav.documents', icon: <ContainerOutlined /> },
  { path: '/audit', key: 'nav.audit', icon: <AuditOutlined /> },
  { path: '/webhooks', key: 'nav.webhooks', icon: <ApiOutlined /> },
];

function selectedKey(pathname: string): string {
  if (pathname === '/') return '/';
  // The longest matching path: /import/documents is its own entry, not /import.
  const hits = NAV.filter((n) => n.path !== '/' && (pathname === n.path || pathname.startsWith(`${n.path}/`)));
  return hits.sort((a, b) => b.path.length - a.path.length)[0]?.path ?? '';
}

export default function AppLayout() {
  const { t } = useI18n();
  const { user, logout } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const screens = Grid.useBreakpoint();
  const desktop = screens.lg ?? true;
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [collapsed, setCollapsed] = useState(false);

  const items: MenuProps['items'] = NAV.map((n) => ({
    key: n.path,
    icon: n.icon,
    label: t(n.key),
    'data-testid': `nav-${n.path === '/' ? 'home' : n.path.slice(1)}`,
  }));

  const menu = (theme: 'dark' | 'light') => (
    <Menu
      theme={theme}
      mode="inline"
      selectedKeys={[selectedKey(location.pathname)]}
      items={items}
      onClick={({ key }) => {
        setDrawerOpen(false);
        navigate(key);
      }}
    />
  );

  return (
    <Layout style={{ minHeight: '100vh' }}>
      {desktop && (
        <Layout.Sider collapsible collapsed={collapsed} onCollapse={setCollapsed} width={200}>
          <div className="app-logo" title={t('app.subtitle')}>
            <BankOutlined style={{ marginRight: collapsed ? 0 : 8 }} />
            {!collapsed && t('app.name')}
          </div>
          {menu('dark')}
        </Layout.Sider>
      )}
      {!desktop && (
        <Drawer
          placement="left"
          open={drawerOpen}
          onClose={() => setDrawerOpen(false)}
          size={240}
          title={t('app.name')}
          styles={{ body: { padding: 0 } }}
        >
          {menu('light')}
        </Drawer>
      )}
      <Layout style={{ minWidth: 0 }}>
        <Layout.Header className="app-header">
          {!desktop && (
            <Button
              type="text"
              icon={<MenuOutlined />}
              aria-label={t('header.menu')}
              title={t('header.menu')}
              data-testid="nav-toggle"
              onClick={() => setDrawerOpen(true)}
            />
          )}
          {!desktop && <span className="brand">{t('app.name')}</span>}
          {desktop && <span className="brand">{t('app.subtitle')}</span>}
          <span className="spacer" />
          <Button type="link" href="/docs" target="_blank" className="hide-xs">
            {t('header.apiDocs')}
          </Button>
          <span className="user-name hide-xs" data-testid="user-name" title={user?.username}>
            <UserOutlined style={{ marginRight: 6 }} />
            {user?.displayName || user?.username}
          </span>
          <LangSwitch />
          <Button
            icon={<LogoutOutlined />}
            data-testid="logout"
            title={t('header.logout')}
            aria-label={t('header.logout')}
            onClick={() => void logout()}
          >
            {screens.sm === false ? null : t('header.logout')}
          </Button>
        </Layout.Header>
        <Layout.Content className="app-content">
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
