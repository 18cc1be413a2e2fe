/**
 * What a finance user does on the import page (导入): upload a Kingdee-style 应收单 workbook with
 * one bad row, see the preview with that row and cell marked and the reason, upload the fixed
 * workbook, import it and see the counts. Real server, real Chromium.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import { KINGDEE_RECEIVABLES, kingdeeWorkbook } from '../fixtures/import/fixtures';
import { databases, seedBasics, TEST_PASSWORD } from '../integration/harness';

import { CHROMIUM, launchBrowser, listenOnFreePort, logIn } from './browser';
const ROOT = join(import.meta.dirname, '..', '..');
const WEB_DIST = join(ROOT, 'web', 'dist');
const SHOTS = join(ROOT, 'test-results');
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';


describe.skipIf(!CHROMIUM)('browser: import a Kingdee 应收单 workbook', () => {
  let db: Database;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base = '';

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) {
      const vite = await import('vite');
      await vite.build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
    }
    mkdirSync(SHOTS, { recursive: true });
    db = await databases[0]!.open();
    const seed = await seedBasics(db);
    const l = seed.as();
    await l.customer('KD-C001', { name: '上海华信贸易有限公司', region: '华东', paymentTermsDays: 30 });
    await l.customer('KD-C002', { name: '北京华北重工集团有限公司', region: '华北', paymentTermsDays: 60 });
    await l.customer('KD-C003', { name: '北京华北重工（天津）有限公司', region: '华北', paymentTermsDays: 45 });
    app = await buildServer({ db, webDist: WEB_DIST });
    base = await listenOnFreePort(app);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1366, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
  });

  it('previews a file with a bad row, then imports the fixed file', async () => {
    await page.goto(`${base}/login?next=${encodeURIComponent('/import')}`);
    await logIn(page, 'finance', TEST_PASSWORD);
    await page.waitForURL((u) => u.pathname === '/import');
    await expect.poll(() => page.locator('body').innerText()).toContain('数据导入');
    // The menu has the page.
    await expect.poll(() => page.getByTestId('nav-import').innerText()).toContain('导入');

    // Row 6 of the sheet names a customer that does not exist.
    const bad = KINGDEE_RECEIVABLES.rows.slice(0, 3).map((r) => [...r]);
    bad[1]![3] = 'KD-C999';
    await page.locator('input[type=file]').setInputFiles({ name: '应收单-有错.xlsx', mimeType: XLSX, buffer: await kingdeeWorkbook({ ...KINGDEE_RECEIVABLES, rows: bad }) });

    await page.getByTestId('import-errors').waitFor();
    await expect.poll(() => page.getByTestId('import-error-row-6').innerText()).toContain('KD-C999');
    expect(await page.getByTestId('import-error-row-6').innerText()).toContain('客户编码');
    await expect.poll(() => page.getByTestId('import-kind-result').innerText()).toContain('应收发票');
    // The bad cell is marked in the preview, its row tinted; the unknown column is reported.
    await page.getByTestId('import-cell-error-6-D').waitFor();
    expect(await page.getByTestId('import-cell-error-6-D').innerText()).toBe('KD-C999');
    expect(await page.getByTestId('import-unrecognised').innerText()).toContain('单据状态');
    expect(await page.getByTestId('import-planned').innerText()).toMatch(/将新建\s*2/);
    // All or nothing: the import button waits for a fixed file (or "valid rows only").
    await page.getByTestId('import-blocked').waitFor();
    expect(await page.getByTestId('import-submit').isDisabled()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'import-preview-errors.png'), fullPage: true });

    // Upload the fixed workbook and import it.
    const fixed = KINGDEE_RECEIVABLES.rows.slice(0, 3);
    await page.locator('input[type=file]').setInputFiles({ name: '应收单.xlsx', mimeType: XLSX, buffer: await kingdeeWorkbook({ ...KINGDEE_RECEIVABLES, rows: fixed }) });
    await expect.poll(() => page.locator('body').innerText(), { timeout: 15_000 }).toContain('未发现问题');
    // Tell it to ignore the column it did not know, and keep that as a named mapping.
    await page.getByTestId('import-map-K').click();
    await page.keyboard.type('忽略');
    await page.locator('.ant-select-item-option', { hasText: '忽略此列' }).click();
    await expect.poll(() => page.getByTestId('import-unrecognised').count()).toBe(0);
    await page.getByTestId('import-save-mapping').fill('金蝶应收单');
    await expect.poll(() => page.getByTestId('import-submit').isDisabled()).toBe(false);
    await page.screenshot({ path: join(SHOTS, 'import-preview-ok.png'), fullPage: true });
    await page.getByTestId('import-submit').click();
    await expect.poll(() => page.getByTestId('import-result').innerText(), { timeout: 15_000 }).toContain('新建 3');
    await page.screenshot({ path: join(SHOTS, 'import-done.png') });

    const rows = await db.query<{ number: string }>('SELECT number FROM invoices ORDER BY number');
    expect(rows.map((r) => r.number)).toEqual(['AR-2025-0001', 'AR-2025-0002', 'AR-2025-0003']);
    const [saved] = await db.query<{ kind: string; columns: Record<string, string> }>("SELECT kind, columns FROM import_mappings WHERE name = '金蝶应收单'");
    expect(saved).toMatchObject({ kind: 'invoices', columns: { 单据状态: 'ignore', 单据编号: 'number', 价税合计: 'total' } });

    // English, and the same file again: nothing to do.
    await page.getByTestId('import-again').click();
    await page.getByTestId('lang-switch').click();
    await page.locator('input[type=file]').setInputFiles({ name: 'ar.xlsx', mimeType: XLSX, buffer: await kingdeeWorkbook({ ...KINGDEE_RECEIVABLES, rows: fixed }) });
    await expect.poll(() => page.locator('body').innerText(), { timeout: 15_000 }).toContain('nothing to import');
    await page.setViewportSize({ width: 375, height: 812 });
    await page.screenshot({ path: join(SHOTS, 'import-phone-en.png'), fullPage: true });
    await page.getByTestId('lang-switch').click();
  });
});
