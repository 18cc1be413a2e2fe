/**
 * A collector works the queue in the browser (催收工作台): picks the top customer, logs a call,
 * records a promise to pay, opens a dispute on an invoice — and the customer leaves the next
 * dunning run. Screenshots in test-results/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import { runDunning } from '../../src/collections/scheduler';
import type { Database } from '../../src/db/database';
import { todayIso } from '../../src/domain/dates';
import { seedDemo } from '../../src/demo/seed';
import { actorForUsername } from '../../src/services/auth/users';
import { databases } from '../integration/harness';
import { CHROMIUM, launchBrowser, listenOnFreePort, logIn } from './browser';

const ROOT = join(import.meta.dirname, '..', '..');
const WEB_DIST = join(ROOT, 'web', 'dist');
const SHOTS = join(ROOT, 'test-results');
const settle = () => new Promise((r) => setTimeout(r, 600));

describe.skipIf(!CHROMIUM)('browser: the collector’s queue', () => {
  let db: Database;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base = '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    db = await databases[0]!.open();
    await seedDemo(db, { customers: 30, invoices: 800, today: todayIso() });
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

  it('logs a call, records a promise, opens a dispute, and the customer leaves the next dunning run', async () => {
    await page.goto(`${base}/login`);
    await logIn(page, 'finance', 'shoufu-demo');
    await page.goto(`${base}/collections`);
    const first = page.getByTestId('worklist').locator('tbody tr.ant-table-row').first();
    await first.waitFor();
    await settle();
    await page.screenshot({ path: join(SHOTS, 'collections-queue.png'), fullPage: true });
    const code = ((await first.locator('[data-testid^="worklist-"]').getAttribute('data-testid')) ?? '').replace('worklist-', '');
    const [customer] = await db.query<{ id: string }>('SELECT id FROM parties WHERE code = $1', [code]);
    const finance = (await actorForUsername(db, 'finance'))!;
    const dunnedBefore = await runDunning({ db, actor: finance, dryRun: true, asOf: null, partyIds: [customer!.id] });
    expect(dunnedBefore.plan.actions.map((a) => a.customer.code)).toContain(code);

    await first.click();
    const drawer = page.getByTestId('work-drawer');
    await drawer.getByTestId('work-invoices').locator('tbody tr.ant-table-row').first().waitFor();

    // 1. A call.
    await drawer.getByTestId('contact-note').fill('财务王经理接听，称本周内安排付款');
    await drawer.getByTestId('contact-save').click();
    await expect.poll(() => drawer.getByTestId('contact-history').innerText()).toContain('本周内安排付款');

    // 2. A promise for the whole overdue amount, a week from today.
    await drawer.getByRole('tab', { name: '付款承诺' }).click();
    const overdue = (await drawer.getByTestId('work-overdue').innerText()).replace(/[^\d.]/g, '');
    await drawer.getByTestId('promise-amount').fill(overdue);
    const promised = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await drawer.getByTestId('promise-date').click();
    await page.keyboard.type(promised);
    await page.keyboard.press('Enter');
    await drawer.getByTestId('promise-save').click();
    await expect.poll(() => drawer.getByTestId('contact-history').innerText()).toContain(promised);

    // 3. A dispute on the first overdue invoice.
    await drawer.getByRole('tab', { name: '发起争议' }).click();
    await drawer.getByTestId('dispute-invoice').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').first().click();
    await drawer.getByTestId('dispute-save').click();
    await expect.poll(async () => (await db.query("SELECT 1 FROM invoice_disputes d JOIN invoices i ON i.id = d.invoice_id WHERE i.party_id = $1 AND d.resolved_on IS NULL", [customer!.id])).length).toBe(1);
    await settle();
    await page.screenshot({ path: join(SHOTS, 'collections-customer.png') });

    const [promise] = await db.query<{ promised_date: string }>('SELECT promised_date FROM payment_promises WHERE party_id = $1', [customer!.id]);
    expect(promise!.promised_date).toBe(promised);
    const [contacts] = await db.query<{ n: bigint }>('SELECT count(*) AS n FROM collection_contacts WHERE party_id = $1', [customer!.id]);
    expect(contacts!.n).toBe(2n);

    // The next run leaves the customer alone: the promise pauses every item until its date.
    const dunnedAfter = await runDunning({ db, actor: finance, dryRun: true, asOf: null, partyIds: [customer!.id] });
    expect(dunnedAfter.plan.actions.map((a) => a.customer.code)).not.toContain(code);
    expect(dunnedAfter.plan.paused.promised + dunnedAfter.plan.paused.disputed).toBeGreaterThan(0);
  });
});
