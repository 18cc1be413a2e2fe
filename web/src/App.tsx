import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { lazy, type ReactNode, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { configureApi, endpoints, type Me } from './api';
import { type Auth, AuthContext, type AuthStatus, useAuth } from './auth';
import { Loading } from './components/common';
import AppLayout from './components/AppLayout';
import {
  DEFAULT_LOCALE,
  type I18n,
  I18nContext,
  isLocale,
  type Locale,
  readStoredLocale,
  storeLocale,
  translate,
  translateDynamic,
  useI18n,
} from './i18n';
import LoginPage from './pages/LoginPage';

const HomePage = lazy(() => import('./pages/HomePage'));
const AgingPage = lazy(() => import('./pages/AgingPage'));
const PartyListPage = lazy(() => import('./pages/PartyListPage'));
const PartyDetailPage = lazy(() => import('./pages/PartyDetailPage'));
const ContractListPage = lazy(() => import('./pages/ContractListPage'));
const ContractDetailPage = lazy(() => import('./pages/ContractDetailPage'));
const InvoiceListPage = lazy(() => import('./pages/InvoiceListPage'));
const InvoiceDetailPage = lazy(() => import('./pages/InvoiceDetailPage'));
const ReceiptListPage = lazy(() => import('./pages/ReceiptListPage'));
const ReceiptDetailPage = lazy(() => import('./pages/ReceiptDetailPage'));
const AuditPage = lazy(() => import('./pages/AuditPage'));
const ImportPage = lazy(() => import('./pages/ImportPage'));
const DocumentImportPage = lazy(() => import('./pages/DocumentImportPage'));
const WebhooksPage = lazy(() => import('./pages/Webhooks'));
const CollectionsPage = lazy(() => import('./pages/CollectionsPage'));
const ReconciliationPage = lazy(() => import('./pages/ReconciliationPage'));
const StatementConfirmPage = lazy(() => import('./pages/StatementConfirmPage'));
const CreditCheckPage = lazy(() => import('./pages/CreditCheckPage'));
const ApprovalsPage = lazy(() => import('./pages/ApprovalsPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));

/** Connects the API client to antd message and the router (needs to live inside both). */
function ApiBridge({ onUnauthorized }: { onUnauthorized: () => void }) {
  const { message } = AntApp.useApp();
  const { t } = useI18n();
  useEffect(() => {
    configureApi({
      showError: (text) => {
        void message.error(text);
      },
      onUnauthorized,
      networkErrorText: () => t('common.networkError'),
    });
  }, [message, onUnauthorized, t]);
  return null;
}

function RequireAuth({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === 'loading') return <Loading />;
  if (status === 'signedOut') {
    const next = location.pathname + location.search;
    return <Navigate to={next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login'} replace />;
  }
  return <>{children}</>;
}

function AppRoutes() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/confirm/:token" element={<StatementConfirmPage />} />
        <Route
          element={
            <RequireAuth>
              <AppLayout />
            </RequireAuth>
          }
        >
          <Route index element={<HomePage />} />
          <Route path="aging" element={<AgingPage />} />
          <Route path="customers" element={<PartyListPage kind="customer" />} />
          <Route path="customers/:id" element={<PartyDetailPage kind="customer" />} />
          <Route path="suppliers" element={<PartyListPage kind="supplier" />} />
          <Route path="suppliers/:id" element={<PartyDetailPage kind="supplier" />} />
          <Route path="contracts" element={<ContractListPage />} />
          <Route path="contracts/:id" element={<ContractDetailPage />} />
          <Route path="invoices" element={<InvoiceListPage side="AR" />} />
          <Route path="invoices/:id" element={<InvoiceDetailPage side="AR" />} />
          <Route path="bills" element={<InvoiceListPage side="AP" />} />
          <Route path="bills/:id" element={<InvoiceDetailPage side="AP" />} />
          <Route path="receipts" element={<ReceiptListPage side="AR" />} />
          <Route path="receipts/:id" element={<ReceiptDetailPage side="AR" />} />
          <Route path="payments" element={<ReceiptListPage side="AP" />} />
          <Route path="payments/:id" element={<ReceiptDetailPage side="AP" />} />
          <Route path="audit" element={<AuditPage />} />
          <Route path="import" element={<ImportPage />} />
          <Route path="import/documents" element={<DocumentImportPage />} />
          <Route path="webhooks" element={<WebhooksPage />} />
          <Route path="collections" element={<CollectionsPage />} />
          <Route path="reconciliation" element={<ReconciliationPage />} />
          <Route path="credit/check" element={<CreditCheckPage />} />
          <Route path="approvals" element={<ApprovalsPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

function Shell() {
  const navigate = useNavigate();
  const location = useLocation();
  const [locale, setLocaleState] = useState<Locale>(() => readStoredLocale() ?? DEFAULT_LOCALE);
  const [status, setStatus] = useState<AuthStatus>('loading');
  const [user, setUser] = useState<Me | null>(null);
  const statusRef = useRef(status);
  statusRef.current = status;
  const pathRef = useRef(location.pathname + location.search);
  pathRef.current = location.pathname + location.search;

  useEffect(() => {
    dayjs.locale(locale === 'zh-CN' ? 'zh-cn' : 'en');
    document.documentElement.lang = locale;
    document.title = `${translate(locale, 'app.name')} · ${translate(locale, 'app.subtitle')}`;
  }, [locale]);

  /** The user's server-side preference applies when this browser has no stored choice yet. */
  const adoptUser = useCallback((u: Me) => {
    setUser(u);
    setStatus('signedIn');
    if (!readStoredLocale() && isLocale(u.locale)) {
      setLocaleState(u.locale);
      storeLocale(u.locale);
    }
  }, []);

  useEffect(() => {
    const ctl = new AbortController();
    endpoints
      .me(ctl.signal)
      .then(adoptUser)
      .catch((e: unknown) => {
        if (e instanceof DOMException && e.name === 'AbortError') return;
        setUser(null);
        setStatus('signedOut');
      });
    return () => ctl.abort();
  }, [adoptUser]);

  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    storeLocale(next);
    if (statusRef.current === 'signedIn') {
      endpoints.setLocale(next).catch(() => {
        // already reported through message; the local choice stays
      });
    }
  }, []);

  const i18n = useMemo<I18n>(
    () => ({
      locale,
      setLocale,
      t: (key, vars) => translate(locale, key, vars),
      td: (prefix, value) => (value ? translateDynamic(locale, `${prefix}.${value}`, value) : ''),
    }),
    [locale, setLocale],
  );

  const logout = useCallback(async () => {
    try {
      await endpoints.logout();
    } catch {
      // the session is gone either way from the UI's point of view
    }
    setUser(null);
    setStatus('signedOut');
    navigate('/login', { replace: true });
  }, [navigate]);

  const auth = useMemo<Auth>(() => ({ status, user, signedIn: adoptUser, logout }), [status, user, adoptUser, logout]);

  const onUnauthorized = useCallback(() => {
    setUser(null);
    setStatus('signedOut');
    const here = pathRef.current;
    if (!here.startsWith('/login')) {
      navigate(here && here !== '/' ? `/login?next=${encodeURIComponent(here)}` : '/login', {
        replace: true,
        state: { expired: true },
      });
    }
  }, [navigate]);

  return (
    <I18nContext.Provider value={i18n}>
      <ConfigProvider
        locale={locale === 'zh-CN' ? zhCN : enUS}
        theme={{ token: { colorPrimary: '#1677ff', borderRadius: 6 } }}
      >
        <AntApp>
          <AuthContext.Provider value={auth}>
            <ApiBridge onUnauthorized={onUnauthorized} />
            <AppRoutes />
          </AuthContext.Provider>
        </AntApp>
      </ConfigProvider>
    </I18nContext.Provider>
  );
}

export default function App() {
  return (
    <BrowserRouter>
      <Shell />
    </BrowserRouter>
  );
}
