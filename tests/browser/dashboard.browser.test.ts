/**
 * The managers' home dashboard (首页看板) in the browser on a demo-like company: KPI cards show the
 * API's numbers, an aging bar and a trend month open the report behind them, a top-overdue row
 * opens the customer, both languages read, and a 375 px phone screen has no horizontal overflow.
 * Real server, real Chromium; screenshots in /tmp.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import { DEMO_DEFAULTS, seedDemo } from '../../src/demo/seed';
import { withActor } from '../../src/services/actor';
import { type DashboardDocument, dashboardAsOf } from '../../src/services/analytics/dashboard';
import { actorForUsername } from '../../src/services/auth/users';
import { databases } from '../integration/harness';
import { CHROMIUM, launchBrowser, listenOnFreePort, logIn } from './browser';

const ROOT = join(import.meta.dirname, '..', '..');
const WEB_DIST = join(ROOT, 'web', 'dist');
const SHOTS = '/tmp';
const TODAY = '2026-06-30';

const settle = () => new Promise((r) => setTimeout(r, 800));
/** "1234567.89" → "1,234,567.89", as the page shows it. */
const grouped = (amount: string) => amount.replace(/\B(?=(\d{3})+(?!\d))(?=\d*\.)/g, ',');

describe.skipIf(!CHROMIUM)('browser: the home dashboard', () => {
  let db: Database;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base = '';
  let doc: DashboardDocument;

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) {
      const vite = await import('vite');
      await vite.build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
    }
    db = await databases[0]!.open();
    await seedDemo(db, { customers: 40, invoices: 1200, today: TODAY });
    const finance = (await actorForUsername(db, 'finance'))!;
    doc = await withActor(db, finance, (tx) => dashboardAsOf(tx, { asOf: TODAY, months: 12, currency: 'CNY' }));
    app = await buildServer({ db, webDist: WEB_DIST });
    base = await listenOnFreePort(app);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    // Generous: the machine running the suite may be busy, and the home page loads the chart chunks lazily.
    page.setDefaultTimeout(30_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
  });

  const openHome = async () => {
    await page.goto(`${base}/`);
    const dateInput = page.locator('input[data-testid="dash-asof"], [data-testid="dash-asof"] input').first();
    await dateInput.waitFor();
    await expect.poll(() => page.getByTestId('kpi-dso-value').count(), { timeout: 30_000 }).toBe(1);
    await dateInput.fill(TODAY);
    await dateInput.press('Enter');
    await expect.poll(() => page.locator('body').innerText(), { timeout: 30_000 }).toContain(`${TODAY}`);
    await expect.poll(() => page.getByTestId('kpi-dso-value').innerText(), { timeout: 30_000 }).not.toBe('—');
  };

  it('shows the API numbers in zh-CN and en, clicks through, fits a phone', async () => {
    await page.goto(`${base}/login`);
    await logIn(page, 'finance', DEMO_DEFAULTS.demoPassword);
    await openHome();

    // Totals and KPI cards = the API (same service, same date).
    const k = doc.kpis.current;
    await expect.poll(() => page.getByTestId('dash-receivable').innerText()).toContain(grouped(doc.totals.receivable));
    expect(await page.getByTestId('dash-overdue').innerText()).toContain(grouped(doc.totals.overdue));
    expect(await page.getByTestId('kpi-dso-value').innerText()).toBe(`${k.dso} 天`);
    expect(await page.getByTestId('kpi-overdueRatioAmount-value').innerText()).toBe(`${k.overdueRatioAmount}%`);
    expect(await page.getByTestId('kpi-top10Share-value').innerText()).toBe(k.top10Share === null ? '—' : `${k.top10Share}%`);
    expect(await page.getByTestId('kpi-cei-value').innerText()).toBe(k.cei === null ? '—' : `${k.cei}%`);
    expect(await page.getByTestId('kpi-unapplied-value').innerText()).toContain(grouped(k.unapplied));
    // Month-over-month: DSO going up is bad news (red), going down good (green).
    if (doc.kpis.previous?.dso && k.dso && doc.kpis.previous.dso !== k.dso) {
      const up = Number(k.dso) > Number(doc.kpis.previous.dso);
      expect(await page.getByTestId('kpi-dso-delta').getAttribute('data-good')).toBe(String(!up));
    }
    expect(await page.getByTestId('top-overdue').innerText()).toContain(doc.topOverdue[0]!.name);
    await page.getByTestId('trend-chart').locator('canvas').first().waitFor();
    await page.getByTestId('aging-chart').locator('canvas').first().waitFor();
    await settle();
    await page.screenshot({ path: join(SHOTS, 'dashboard-zh.png'), fullPage: true });

    // An aging bar → the aging report on the same date, focused on that bucket.
    const chart = page.getByTestId('aging-chart').locator('canvas').first();
    await chart.scrollIntoViewIfNeeded();
    const box = (await chart.boundingBox())!;
    const withAmount = doc.aging.findIndex((b, i) => i > 0 && b.amount !== '0.00');
    // Bars are evenly spaced over the plot; click the middle of the chosen bar's band, low on it.
    const plotLeft = box.x + 60;
    const band = (box.width - 60 - 16) / doc.aging.length;
    await page.mouse.click(plotLeft + band * (withAmount + 0.5), box.y + box.height - 30);
    await page.waitForURL((u) => u.pathname === '/aging', { timeout: 5000 }).catch(async () => {
      // Fall back to the bucket table row when the click missed a thin bar.
      await page.locator('tr', { hasText: doc.aging[withAmount]!.labelZh }).first().click();
      await page.waitForURL((u) => u.pathname === '/aging');
    });
    expect(new URL(page.url()).searchParams.get('asOf')).toBe(TODAY);
    await page.goBack();
    await openHome();

    // A trend month → the aging report as of that month's end.
    const trend = page.getByTestId('trend-chart').locator('canvas').first();
    await trend.scrollIntoViewIfNeeded();
    await settle();
    const tb = (await trend.boundingBox())!;
    await page.mouse.click(tb.x + tb.width - 40, tb.y + tb.height / 2);
    await page.waitForURL((u) => u.pathname === '/aging');
    const asOf = new URL(page.url()).searchParams.get('asOf')!;
    expect(doc.kpis.trend.map((p) => p.to)).toContain(asOf);
    await page.goBack();
    await openHome();

    // A top-overdue customer → the customer page.
    await page.getByTestId('top-overdue').locator('tbody tr.ant-table-row').first().click();
    await page.waitForURL((u) => u.pathname === `/customers/${doc.topOverdue[0]!.id}`);
    await page.goBack();
    await openHome();

    // A region of the heat-grid → the customer list of that region.
    const region = doc.regions[0]!.region;
    await page.getByTestId(`risk-region-${region}`).click();
    await page.waitForURL((u) => u.pathname === '/customers' && u.searchParams.get('region') === region);
    await page.goBack();
    await openHome();

    // English.
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.locator('body').innerText()).toContain('Receivables trend');
    expect(await page.getByTestId('kpi-dso-value').innerText()).toBe(`${k.dso} days`);
    expect(await page.locator('body').innerText()).toContain('Most overdue customers');
    await settle();
    await page.screenshot({ path: join(SHOTS, 'dashboard-en.png'), fullPage: true });

    // A phone: no horizontal overflow, the charts resize to the screen.
    await page.setViewportSize({ width: 375, height: 812 });
    await settle();
    await expect.poll(() => page.evaluate<number>('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(377);
    const phoneChart = (await page.getByTestId('trend-chart').locator('canvas').first().boundingBox())!;
    expect(phoneChart.width).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(SHOTS, 'dashboard-phone.png'), fullPage: true });
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.locator('body').innerText()).toContain('应收趋势');
    await settle();
    await expect.poll(() => page.evaluate<number>('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(377);
    await page.screenshot({ path: join(SHOTS, 'dashboard-phone-zh.png'), fullPage: true });
  }, 180_000);
});
