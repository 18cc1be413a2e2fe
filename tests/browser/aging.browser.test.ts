/**
 * What a finance user does with the aging report (账龄分析) in the browser: open it from the
 * home page, regroup it, click an amount to see the invoices behind it, switch to English, and
 * read it on a phone. Real server on a small demo company, real Chromium.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import { DEMO_DEFAULTS, seedDemo } from '../../src/demo/seed';
import { withActor } from '../../src/services/actor';
import { agingAsOf } from '../../src/services/analytics/aging';
import { type AgingDocument, agingJson } from '../../src/services/analytics/aging-output';
import { actorForUsername } from '../../src/services/auth/users';
import { databases } from '../integration/harness';

import { CHROMIUM, launchBrowser, listenOnFreePort, logIn } from './browser';
const ROOT = join(import.meta.dirname, '..', '..');
const WEB_DIST = join(ROOT, 'web', 'dist');
const SHOTS = join(ROOT, 'test-results');
const TODAY = '2026-06-30';


/** Lets chart and drawer animations finish so that the screenshots show the settled page. */
const settle = () => new Promise((r) => setTimeout(r, 700));

/** "1234567.89" → "1,234,567.89", as the page shows it. */
const grouped = (amount: string) => amount.replace(/\B(?=(\d{3})+(?!\d))(?=\d*\.)/g, ',');

describe.skipIf(!CHROMIUM)('browser: the aging report', () => {
  let db: Database;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base = '';
  let byCustomer: AgingDocument;
  let byRegion: AgingDocument;

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) {
      const vite = await import('vite');
      await vite.build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
    }
    mkdirSync(SHOTS, { recursive: true });
    db = await databases[0]!.open();
    await seedDemo(db, { customers: 30, invoices: 800, today: TODAY });
    const finance = (await actorForUsername(db, 'finance'))!;
    const report = (by: string[]) =>
      withActor(db, finance, (tx) => agingAsOf(tx, { asOf: TODAY, side: 'AR', basis: 'due', buckets: 'chinese', by, currency: 'all' }));
    byCustomer = agingJson(await report(['customer']));
    byRegion = agingJson(await report(['region']));
    app = await buildServer({ db, webDist: WEB_DIST });
    base = await listenOnFreePort(app);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
  });

  it('opens from the home page, regroups by region, drills into a cell, reads in English and on a phone', async () => {
    await page.goto(`${base}/login`);
    await logIn(page, 'finance', DEMO_DEFAULTS.demoPassword);

    // The menu has 账龄分析 right after 首页.
    await page.getByTestId('nav-aging').waitFor();
    const menu = await page.locator('.ant-layout-sider .ant-menu-item').allInnerTexts();
    expect(menu.slice(0, 2).map((s) => s.trim())).toEqual(['首页', '账龄分析']);

    // Home page → a bucket row → the aging report on the home page's date, sorted by that bucket.
    await page.goto(`${base}/`);
    const dateInput = page.locator('input[data-testid="dash-asof"], [data-testid="dash-asof"] input').first();
    await dateInput.fill(TODAY);
    await dateInput.press('Enter');
    await expect.poll(() => page.locator('body').innerText()).toContain(`截至日期 ${TODAY}`);
    await page.locator('tr', { hasText: '91–180天' }).first().click();
    await page.waitForURL((u) => u.pathname === '/aging' && u.searchParams.get('bucket') === 'd91_180');
    expect(new URL(page.url()).searchParams.get('asOf')).toBe(TODAY);

    // The report: Chinese bucket headings, one row per customer, the grand total as the server computes it.
    await page.goto(`${base}/aging?asOf=${TODAY}`);
    const table = page.getByTestId('aging-table');
    await expect.poll(() => table.locator('thead').innerText()).toContain('未到期');
    const cny = byCustomer.totals.find((r) => r.currency === 'CNY')!;
    await expect.poll(() => page.getByTestId('aging-grand-total-CNY').innerText()).toContain(grouped(cny.total));
    for (const h of ['客户', '1–30天', '181–365天', '3年以上', '合计']) expect(await table.locator('thead').innerText()).toContain(h);
    await page.getByTestId('aging-stacked-chart').locator('canvas').first().waitFor();
    await settle();
    await page.screenshot({ path: join(SHOTS, 'aging-zh.png'), fullPage: true });

    // Group by region instead of customer.
    await page.getByTestId('aging-dim1').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: /^区域$/ }).click();
    await page.waitForURL((u) => u.searchParams.get('by') === 'region');
    await expect.poll(() => table.locator('thead th').first().innerText()).toBe('区域');
    await expect.poll(() => table.locator('tbody tr.ant-table-row').count()).toBe(byRegion.rows.length);
    const east = byRegion.rows.find((r) => r.groups[0]!.key === '华东')!;
    await expect.poll(() => table.locator('tbody').innerText()).toContain(grouped(east.total));
    await settle();
    await page.screenshot({ path: join(SHOTS, 'aging-by-region.png'), fullPage: true });

    // Click 华东's 1–30 days amount: the drawer lists the invoices behind it, adding up to the cell.
    const eastRow = table.locator('tbody tr.ant-table-row', { hasText: '华东' });
    const bucket = byRegion.buckets.find((b) => east.amounts[b.key] !== '0.00' && b.key !== 'current')!;
    await eastRow.locator(`[data-testid$="-${bucket.key}"]`).click();
    const drill = page.getByTestId('aging-drill');
    await expect.poll(() => page.getByTestId('aging-drill-total').innerText()).toContain(grouped(east.amounts[bucket.key]!));
    const links = drill.locator('a[data-testid^="aging-drill-invoice-"]');
    await expect.poll(() => links.count()).toBeGreaterThan(0);
    await settle();
    await page.screenshot({ path: join(SHOTS, 'aging-drill.png') });
    const number = (await links.first().innerText()).trim();
    await links.first().click();
    await page.waitForURL((u) => u.pathname.startsWith('/invoices/'));
    // The invoice page itself (not the drawer, which stays up while the lazy page loads).
    await page.getByTestId('invoice-open').waitFor();
    await expect.poll(() => page.locator('h4').first().innerText()).toContain(number);
    await page.goBack();
    await page.waitForURL((u) => u.pathname === '/aging');

    // English.
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => table.locator('thead').innerText()).toContain('Not due');
    expect(await table.locator('thead').innerText()).toContain('Region');
    expect(await page.locator('.ant-layout-sider').innerText()).toContain('Aging');
    await settle();
    await page.screenshot({ path: join(SHOTS, 'aging-en.png'), fullPage: true });

    // A phone: nothing wider than the screen; the table scrolls inside itself; the drawer fits.
    await page.setViewportSize({ width: 375, height: 812 });
    await expect.poll(() => page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await settle();
    await page.screenshot({ path: join(SHOTS, 'aging-phone.png'), fullPage: true });
    await table.locator('tbody tr.ant-table-row', { hasText: '华东' }).locator('[data-testid$="-total"]').click();
    await expect.poll(() => page.getByTestId('aging-drill-total').innerText()).toContain(grouped(east.total));
    await expect.poll(() => page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await settle();
    await page.screenshot({ path: join(SHOTS, 'aging-phone-drill.png') });
  });

  it('downloads the report as PDF and subscribes to it as a weekly e-mail', async () => {
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(`${base}/aging?asOf=${TODAY}&by=region`);
    await page.getByTestId('aging-export-pdf').waitFor();
    const href = await page.getByTestId('aging-export-pdf').getAttribute('href');
    expect(href).toContain('format=pdf');
    const pdf = await page.request.get(`${base}${href}`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

    await page.getByTestId('aging-subscribe').click();
    const recipients = page.getByTestId('subscribe-recipients');
    await recipients.click();
    await page.keyboard.type('cfo@example.com');
    await page.keyboard.press('Enter');
    await page.getByTestId('subscribe-save').click();
    await expect.poll(() => page.getByTestId('subscription-item').count()).toBe(1);
    expect(await page.getByTestId('subscription-item').innerText()).toContain('cfo@example.com');
    await settle();
    await page.screenshot({ path: join(SHOTS, 'aging-subscribe.png') });
    const [row] = await db.query<{ recipients: string[]; options: { by: string[] }; username: string }>(
      'SELECT s.recipients, s.options, u.username FROM report_subscriptions s JOIN users u ON u.id = s.user_id',
    );
    expect(row).toMatchObject({ recipients: ['cfo@example.com'], options: { by: ['region'] }, username: 'finance' });
  });
});
