/**
 * The reconciliation workbench in the browser (对账工作台): accept a suggestion with the keyboard,
 * run the engine and undo one of its auto-matches, split a receipt across two invoices by hand —
 * and see the balances follow. Screenshots in test-results/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import { withActor } from '../../src/services/actor';
import { createInvoice } from '../../src/services/ledger/invoices';
import { createParty } from '../../src/services/ledger/parties';
import { createReceipt } from '../../src/services/ledger/receipts';
import { reconcile } from '../../src/services/reconciliation/run';
import { databases, type Seed, seedBasics, TEST_PASSWORD } from '../integration/harness';
import { CHROMIUM, launchBrowser, listenOnFreePort, logIn } from './browser';

const ROOT = join(import.meta.dirname, '..', '..');
const WEB_DIST = join(ROOT, 'web', 'dist');
const SHOTS = join(ROOT, 'test-results');
const settle = () => new Promise((r) => setTimeout(r, 600));

describe.skipIf(!CHROMIUM)('browser: the reconciliation workbench', () => {
  let db: Database;
  let seed: Seed;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base = '';
  const receipts: Record<string, string> = {};

  const open = async (number: string) =>
    (
      await db.query<{ open: bigint }>(
        'SELECT sum(n.amount_minor - n.allocated_minor)::bigint AS open FROM installments n JOIN invoices i ON i.id = n.invoice_id WHERE i.number = $1',
        [number],
      )
    )[0]!.open;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    db = await databases[0]!.open();
    seed = await seedBasics(db);
    const f = seed.finance;
    await withActor(db, f, async (tx) => {
      const p = await createParty(tx, f, {
        code: 'RW-1',
        name: '上海华信贸易有限公司',
        region: '华东',
        bankAccounts: [{ bankName: '招商银行', accountNo: '6222 0210 0111 2222 333', accountName: '上海华信贸易有限公司' }],
      });
      for (const [number, amount] of [['INV-W1', '1000.00'], ['INV-W2', '500.00'], ['INV-W3', '800.00'], ['INV-W4', '300.00']] as const) {
        await createInvoice(tx, f, { number, partyId: p.id, currency: 'CNY', issueDate: '2026-09-01', lines: [{ description: '货款', unitPrice: amount }] });
      }
      const receipt = async (number: string, amount: string, extra: Record<string, string | null>) =>
        (receipts[number] = (await createReceipt(tx, f, { number, amount, currency: 'CNY', receiptDate: '2026-10-10', ...extra })).id);
      await receipt('RW-A', '1000.00', { counterpartyName: '上海华信贸易有限公司', counterpartyAccount: '6222021001112222333', remittance: '货款 INV-W1' });
      await receipt('RW-B', '500.00', { counterpartyName: '华信贸易（上海）有限公司', counterpartyAccount: null, remittance: null });
      await receipt('RW-C', '900.00', { partyId: p.id, counterpartyName: '上海华信贸易有限公司', remittance: '九月货款' });
    });
    // A cautious first run: everything below 0.999 waits for a person.
    await reconcile(db, f, { threshold: 0.999 });
    app = await buildServer({ db, webDist: WEB_DIST });
    base = await listenOnFreePort(app);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.setDefaultTimeout(15_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
  });

  it('accepts a suggestion, undoes an auto-match, splits a receipt by hand, and the balances follow', async () => {
    await page.goto(`${base}/login`);
    await logIn(page, 'finance', TEST_PASSWORD);
    await page.goto(`${base}/reconciliation`);
    const queue = page.getByTestId('recon-queue');
    await queue.getByTestId('recon-receipt-RW-B').waitFor();
    await settle();
    await page.screenshot({ path: join(SHOTS, 'reconciliation-queue.png'), fullPage: true });
    // The suggestion says why, in Chinese: the payer's name in another form, and the amount.
    const rowB = queue.locator('tr', { has: page.getByTestId('recon-receipt-RW-B') });
    expect(await rowB.getByTestId('recon-reason').innerText()).toMatch(/华信贸易.*金额/);

    // 1. Accept it with the keyboard: select the row, press A.
    await rowB.locator('td', { hasText: '2026-10-10' }).click();
    await page.keyboard.press('a');
    await expect.poll(() => open('INV-W2'), { timeout: 15_000 }).toBe(0n);
    expect(await open('INV-W1')).toBe(100_000n);
    await expect.poll(() => queue.getByTestId('recon-receipt-RW-B').count(), { timeout: 15_000 }).toBe(0);

    // 2. Run the engine at the usual threshold: RW-A is applied by itself; undo it in one click.
    await page.getByTestId('recon-run').click();
    await expect.poll(() => open('INV-W1'), { timeout: 15_000 }).toBe(0n);
    await page.getByRole('tab', { name: /最近自动核销/ }).click();
    await page.getByTestId('recon-undo-RW-A').click();
    await expect.poll(() => open('INV-W1'), { timeout: 15_000 }).toBe(100_000n);
    const [undone] = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM audit_log WHERE action = 'reconciliation.undo'");
    expect(undone!.n).toBe(1n);
    await settle();
    await page.screenshot({ path: join(SHOTS, 'reconciliation-undo.png') });

    // 3. Split RW-C (¥900) by hand across INV-W3 (¥800) and INV-W4 (¥100) on the receipt page.
    await page.goto(`${base}/receipts/${receipts['RW-C']}`);
    const w3 = page.getByTestId('alloc-amount-INV-W3-1');
    const w4 = page.getByTestId('alloc-amount-INV-W4-1');
    await w3.waitFor();
    await page.locator('tr', { has: w3 }).locator('input[type=checkbox]').check();
    await page.locator('tr', { has: w4 }).locator('input[type=checkbox]').check();
    await w3.fill('800.00');
    await w4.fill('100.00');
    await page.getByTestId('alloc-submit').click();
    await expect.poll(() => page.getByTestId('receipt-unapplied').innerText(), { timeout: 15_000 }).toContain('0.00');
    expect(await open('INV-W3')).toBe(0n);
    expect(await open('INV-W4')).toBe(20_000n);
  });
});
