/**
 * What a finance user does in the browser: log in, switch the language, open a customer, allocate
 * (核销) a receipt to two invoices and see the balances change. Real server, real Chromium.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import { databases, seedBasics, TEST_PASSWORD } from '../integration/harness';

import { CHROMIUM, launchBrowser, listenOnFreePort, logIn } from './browser';
const ROOT = join(import.meta.dirname, '..', '..');
const WEB_DIST = join(ROOT, 'web', 'dist');
const SHOTS = join(ROOT, 'test-results');


describe.skipIf(!CHROMIUM)('browser: allocate a receipt in the web UI', () => {
  let db: Database;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base = '';
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) {
      const vite = await import('vite');
      await vite.build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
    }
    mkdirSync(SHOTS, { recursive: true });
    db = await databases[0]!.open();
    const seed = await seedBasics(db);
    const l = seed.as();
    const party = await l.customer('C0001', { name: '上海华信贸易有限公司', region: '华东', paymentTermsDays: 30 });
    ids.party = party.id;
    const a = await l.invoice({ partyId: party.id, amount: '1130.00', issueDate: '2026-08-01', number: 'INV26-000101' });
    const b = await l.invoice({ partyId: party.id, amount: '2260.00', issueDate: '2026-09-01', number: 'INV26-000102' });
    ids.invA = a.id;
    ids.invB = b.id;
    const r = await l.receipt({ partyId: party.id, amount: '2000.00', receiptDate: '2026-10-15', number: 'RC26-000001' });
    ids.receipt = r.id;
    app = await buildServer({ db, webDist: WEB_DIST });
    base = await listenOnFreePort(app);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
  });

  it('logs in, switches language, opens the customer and allocates the receipt to two invoices', async () => {
    await page.goto(`${base}/login`);
    await logIn(page, 'finance', TEST_PASSWORD);
    // Chinese by default.
    await expect.poll(() => page.locator('body').innerText()).toContain('应收');
    // The home page shows the receivables total and the aging chart.
    await expect.poll(() => page.getByTestId('dash-receivable').innerText()).toContain('3,390.00');
    await page.getByTestId('aging-chart').locator('canvas').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'home-zh.png') });
    // On a phone screen nothing is wider than the screen.
    await page.setViewportSize({ width: 375, height: 812 });
    await expect.poll(() => page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(SHOTS, 'home-phone.png') });
    await page.setViewportSize({ width: 1366, height: 900 });

    // Switch to English and back; the choice persists across a reload.
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.locator('body').innerText()).toContain('Receivable');
    await page.reload();
    await expect.poll(() => page.locator('body').innerText()).toContain('Receivable');
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.locator('body').innerText()).toContain('应收');

    // The customer page shows the open balance of both invoices.
    await page.goto(`${base}/customers/${ids.party}`);
    await expect.poll(() => page.getByTestId('customer-open-balance').innerText()).toContain('3,390.00');
    await page.screenshot({ path: join(SHOTS, 'customer-before.png') });

    // Allocate ¥1,130.00 to the first invoice and ¥870.00 to the second from the receipt page.
    await page.goto(`${base}/receipts/${ids.receipt}`);
    await expect.poll(() => page.getByTestId('receipt-unapplied').innerText()).toContain('2,000.00');
    const amountA = page.getByTestId('alloc-amount-INV26-000101-1');
    const amountB = page.getByTestId('alloc-amount-INV26-000102-1');
    await amountA.waitFor();
    await page.locator('tr', { has: amountA }).locator('input[type=checkbox]').check();
    await page.locator('tr', { has: amountB }).locator('input[type=checkbox]').check();
    await amountA.fill('1130.00');
    await amountB.fill('870.00');
    await page.screenshot({ path: join(SHOTS, 'allocation-form.png') });
    await page.getByTestId('alloc-submit').click();
    await expect.poll(() => page.getByTestId('receipt-unapplied').innerText(), { timeout: 15_000 }).toContain('0.00');
    await page.screenshot({ path: join(SHOTS, 'receipt-after.png') });

    // The balances changed: first invoice paid, second partly paid, customer balance down.
    await page.goto(`${base}/invoices/${ids.invA}`);
    await expect.poll(() => page.getByTestId('invoice-open').innerText()).toContain('0.00');
    await page.goto(`${base}/invoices/${ids.invB}`);
    await expect.poll(() => page.getByTestId('invoice-open').innerText()).toContain('1,390.00');
    await page.goto(`${base}/customers/${ids.party}`);
    await expect.poll(() => page.getByTestId('customer-open-balance').innerText()).toContain('1,390.00');
    await page.screenshot({ path: join(SHOTS, 'customer-after.png') });

    // And the database agrees.
    const [row] = await db.query<{ allocated_minor: bigint }>('SELECT allocated_minor FROM receipts WHERE id = $1', [ids.receipt]);
    expect(row!.allocated_minor).toBe(200000n);
  });
});
