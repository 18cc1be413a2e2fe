/**
 * What a finance user does on 流水与电子发票 (/import/documents): drop a camt.053 statement, a
 * Chinese bank's GBK CSV statement, a camt.053 whose balances do not add up and three Chinese
 * e-invoice XMLs at once; see one dry-run row per file (format, content, control-total check,
 * what would be created, the refusal of an e-invoice that is not the entity's); import all; see
 * what each file created, with links; then the same statement again, in English: nothing new.
 * Real server, real Chromium. Screenshots go to /tmp.
 */
import { existsSync, readFileSync } from 'node:fs';
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
const SHOTS = '/tmp';
const FIXTURES = join(ROOT, 'tests', 'fixtures');
const REAL = join(FIXTURES, 'realdata');

const files = [
  { name: 'camt053-account_statement.xml', path: join(REAL, 'bank-statements/camt053/subite-anonymized-real/account_statement.xml') },
  { name: '工商银行流水-2024-03.csv', path: join(FIXTURES, 'statements/cn-bank-gbk.csv') },
  { name: 'camt053-unbalanced.xml', path: join(REAL, 'bank-statements/camt053/genkgo-camt/camt053.v2.minimal.xml') },
  { name: '电子发票-83089647.xml', path: join(REAL, 'einvoices/cn/ofdrw/vat-e-normal-2020-a__Attachs_original_invoice.xml') },
  { name: '电子凭证-99934328.xml', path: join(REAL, 'einvoices/cn/ofdrw/xbrl-mof-2022__Attachs_inv_ord_issuer_20220901_03300220021199934328.xml') },
  { name: '电子发票-04875996.xml', path: join(REAL, 'einvoices/cn/ofdrw/vat-e-normal-2020-b__Attachs_original_invoice.xml') },
].map((f) => ({ name: f.name, mimeType: f.name.endsWith('.csv') ? 'text/csv' : 'text/xml', buffer: readFileSync(f.path) }));

describe.skipIf(!CHROMIUM)('browser: statements and e-invoices in one drop', () => {
  let db: Database;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base = '';

  const row = (name: string) => page.getByTestId(`docimport-row-${name}`);
  const rowText = (name: string) => row(name).innerText();

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) {
      const vite = await import('vite');
      await vite.build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
    }
    db = await databases[0]!.open();
    const seed = await seedBasics(db);
    // The test entity stands in for both Chinese companies of the fixtures: by its name it is the
    // seller of the XBRL voucher (AR), by its tax id the buyer of the 2020 e-invoice (AP).
    await db.query(`UPDATE entities SET name = '杭州融运科技有限公司', tax_id = '91320115MA202UKD7X' WHERE code = 'SH01'`);
    const l = seed.as();
    await l.customer('C-ZHONGDIAN', { name: '江苏中电创新环境科技有限公司', uscc: '913202133140424571' });
    await l.customer('S-YUEJI', { name: '兰溪市悦济舫餐厅', isCustomer: false, isSupplier: true });
    // The camt.053's payer and one of its payees; its other payee (Nova Ltd) is unknown.
    await l.customer('C-THETA', { name: 'Theta Solutions' });
    await l.customer('S-SIGMA', { name: 'Sigma Solutions', isCustomer: false, isSupplier: true });
    // The CSV statement's counterparties (as in the statements integration test).
    await l.customer('C-XINGCHEN', { name: '北京星辰贸易有限公司', bankAccounts: [{ bankName: 'Bank', accountNo: '1100 2233 4455 6677', accountName: '北京星辰贸易有限公司' }] });
    await l.customer('C-YUNFAN', { name: '杭州云帆网络科技有限公司' });
    await l.customer('S-HENGXIN', {
      name: '深圳恒信物流有限公司',
      isCustomer: false,
      isSupplier: true,
      bankAccounts: [{ bankName: 'Bank', accountNo: '4403123456789012', accountName: '深圳恒信物流有限公司' }],
    });
    app = await buildServer({ db, webDist: WEB_DIST });
    base = await listenOnFreePort(app);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
  });

  it('checks every file in a dry run, imports them all, and shows what each created', async () => {
    await page.goto(`${base}/login?next=${encodeURIComponent('/import/documents')}`);
    await logIn(page, 'finance', TEST_PASSWORD);
    await page.waitForURL((u) => u.pathname === '/import/documents');
    // The menu has the page, selected.
    const nav = page.getByTestId('nav-import/documents');
    await expect.poll(() => nav.innerText()).toContain('流水与电子发票');
    expect(await nav.getAttribute('class')).toContain('ant-menu-item-selected');

    await page.locator('input[type=file]').setInputFiles(files);
    for (const f of files) await expect.poll(() => rowText(f.name), { timeout: 20_000 }).not.toContain('正在试导入');
    await expect.poll(() => page.getByTestId('docimport-ready').innerText(), { timeout: 20_000 }).toBe('可导入 4 个文件，共 6 个');

    // Statements: format, lines, credits and debits, the control totals, what would be created.
    const camt = await rowText('camt053-account_statement.xml');
    expect(camt).toContain('银行流水');
    expect(camt).toContain('camt.053 001.02');
    expect(camt).toContain('BE86463768548050 · EUR · 2024-03-01 ~ 2024-10-01');
    expect(camt).toContain('3 笔 · 收入 1 笔 €789,904.40 · 支出 2 笔 €789,904.40');
    expect(camt).toContain('余额核对通过');
    expect(camt).toContain('将新建 2 笔（收款 1，付款 1；其中待认领 0）');
    expect(camt).toContain('不导入 1 笔 (供应商未识别 1)');
    const csv = await rowText('工商银行流水-2024-03.csv');
    expect(csv).toContain('6222021234567890 · CNY · 2024-03-01 ~ 2024-03-31');
    expect(csv).toMatch(/5 笔 · 收入 2 笔 ¥20,800\.50 · 支出 3 笔/);
    expect(csv).toContain('将新建 3 笔（收款 2，付款 1；其中待认领 0）');
    // A statement that does not add up: ✗ with the reason, left out unless "import anyway".
    const unbalanced = await rowText('camt053-unbalanced.xml');
    expect(unbalanced).toMatch(/closing|opening|balance/i);
    await row('camt053-unbalanced.xml').getByTestId('docimport-accept-mismatch').waitFor();
    expect(await row('camt053-unbalanced.xml').locator('.anticon-close-circle').count()).toBe(1);

    // E-invoices: number, seller, buyer, total, the totals check, the ledger document and party.
    const bill = await rowText('电子发票-83089647.xml');
    expect(bill).toContain('电子发票');
    expect(bill).toContain('增值税电子发票 XML');
    expect(bill).toMatch(/发票 \S*83089647/);
    expect(bill).toContain('价税合计 ¥526.00');
    expect(bill).toContain('销方 兰溪市悦济舫餐厅 (92330781MA2EDMFU50)');
    expect(bill).toContain('购方 江苏京利华新材料有限公司 (91320115MA202UKD7X)');
    expect(bill).toContain('金额核对通过');
    expect(bill).toContain('将新建应付单 83089647');
    expect(bill).toContain('供应商 S-YUEJI 兰溪市悦济舫餐厅 · 按名称匹配');
    const voucher = await rowText('电子凭证-99934328.xml');
    expect(voucher).toContain('电子凭证 XBRL');
    expect(voucher).toContain('将新建应收发票 99934328');
    expect(voucher).toContain('客户 C-ZHONGDIAN 江苏中电创新环境科技有限公司 · 按税号匹配');
    // Not the entity's document: refused by name, the document still described, the others unaffected.
    const foreign = await rowText('电子发票-04875996.xml');
    expect(foreign).toContain('entity_not_party');
    expect(foreign).toContain('上海阿金大白餐饮管理有限公司');
    await page.screenshot({ path: join(SHOTS, 'documents-dry-run.png'), fullPage: true });

    await page.getByTestId('docimport-submit').click();
    await expect.poll(() => rowText('电子凭证-99934328.xml'), { timeout: 30_000 }).toContain('已新建应收发票（C-ZHONGDIAN）');
    await expect.poll(() => rowText('camt053-account_statement.xml')).toContain('已新建 2 笔（收款 1，付款 1），重复 0，不导入 1');
    await expect.poll(() => rowText('工商银行流水-2024-03.csv')).toContain('已新建 3 笔（收款 2，付款 1），重复 0，不导入 2');
    await expect.poll(() => rowText('电子发票-83089647.xml')).toContain('已新建应付单（S-YUEJI）');
    expect(await rowText('电子发票-83089647.xml')).toContain('查看应付单 83089647');
    expect(await rowText('camt053-account_statement.xml')).toContain('查看收款单');
    expect(await rowText('工商银行流水-2024-03.csv')).toContain('查看付款单');
    // The files that were not importable are as they were.
    expect(await rowText('camt053-unbalanced.xml')).toContain('仍然导入');
    expect(await rowText('电子发票-04875996.xml')).toContain('entity_not_party');
    await expect.poll(() => page.getByTestId('docimport-ready').innerText()).toBe('可导入 0 个文件，共 6 个');
    await page.screenshot({ path: join(SHOTS, 'documents-imported.png'), fullPage: true });

    const invoices = await db.query<{ number: string; side: string; total_minor: bigint; party: string }>(
      `SELECT i.number, i.side, i.total_minor, p.code AS party FROM invoices i JOIN parties p ON p.id = i.party_id ORDER BY i.number`,
    );
    expect(invoices).toEqual([
      { number: '83089647', side: 'AP', total_minor: 52600n, party: 'S-YUEJI' },
      { number: '99934328', side: 'AR', total_minor: 1120n, party: 'C-ZHONGDIAN' },
    ]);
    const [receipts] = await db.query<{ n: bigint }>('SELECT count(*) AS n FROM receipts');
    expect(receipts!.n).toBe(5n);

    // The bill link opens the bill.
    await row('电子发票-83089647.xml').getByTestId('docimport-invoice-link').click();
    await page.waitForURL((u) => u.pathname.startsWith('/bills/'));
    await expect.poll(() => page.locator('body').innerText(), { timeout: 15_000 }).toContain('83089647');

    // In English, the same CSV statement again: everything already imported, nothing to do.
    await page.goto(`${base}/import/documents`);
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.locator('body').innerText(), { timeout: 15_000 }).toContain('Statements & e-invoices');
    await page.locator('input[type=file]').setInputFiles([files[1]!, files[3]!]);
    await expect.poll(() => rowText('工商银行流水-2024-03.csv'), { timeout: 20_000 }).toContain('Nothing new to import');
    expect(await rowText('工商银行流水-2024-03.csv')).toContain('3 already imported, 2 left out (supplier not identified 2)');
    await expect.poll(() => rowText('电子发票-83089647.xml'), { timeout: 20_000 }).toContain('Already imported: AP bill (S-YUEJI)');
    expect(await page.getByTestId('docimport-ready').innerText()).toBe('0 of 2 files ready to import');
    expect(await page.getByTestId('docimport-submit').isDisabled()).toBe(true);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SHOTS, 'documents-phone-en.png'), fullPage: true });
    await page.getByTestId('lang-switch').click();
  });
});
