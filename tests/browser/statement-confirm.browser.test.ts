/**
 * The customer's side of a statement (对账单) confirmation link, in the browser and without an
 * account: the statement as sent, then a dispute naming one document, recorded.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import { createSmtpChannel } from '../../src/collections/channels/email';
import type { Database } from '../../src/db/database';
import { sendStatement } from '../../src/reports/customer-statement';
import { databases, type Seed, seedBasics } from '../integration/harness';
import { CHROMIUM, launchBrowser, listenOnFreePort } from './browser';

const ROOT = join(import.meta.dirname, '..', '..');
const WEB_DIST = join(ROOT, 'web', 'dist');
const SHOTS = join(ROOT, 'test-results');

describe.skipIf(!CHROMIUM)('browser: a customer answers a statement confirmation', () => {
  let db: Database;
  let seed: Seed;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base = '';
  let smtp: SMTPServer;
  let port = 0;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    db = await databases[0]!.open();
    seed = await seedBasics(db);
    const ledger = seed.as();
    const party = await ledger.customer('SC-1', { name: '杭州恒信电子科技有限公司', region: '华东' });
    await ledger.invoice({ partyId: party.id, number: 'INV26-000501', amount: '1130.00', issueDate: '2026-10-08' });
    await ledger.invoice({ partyId: party.id, number: 'INV26-000502', amount: '2260.00', issueDate: '2026-10-18' });
    smtp = new SMTPServer({ disabledCommands: ['STARTTLS', 'AUTH'], logger: false, onData: (s, _x, cb) => s.on('end', () => cb()).resume() });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
    port = (smtp.server.address() as AddressInfo).port;
    app = await buildServer({ db, webDist: WEB_DIST });
    base = await listenOnFreePort(app);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    page.setDefaultTimeout(15_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise<void>((r) => smtp?.close(() => r()));
    await db?.close();
  });

  it('shows the statement as sent and records a dispute of one invoice, once', async () => {
    const channel = createSmtpChannel({ url: `smtp://127.0.0.1:${port}`, from: 'AR <ar@shoufu.test>', timeoutMs: 5000 });
    const party = (await db.query<{ id: string }>("SELECT id FROM parties WHERE code = 'SC-1'"))[0]!;
    const sent = await sendStatement(db, seed.finance, { partyId: party.id, from: '2026-10-01', to: '2026-10-31', recipients: ['ap@hengxin.example'], baseUrl: base }, channel).finally(() => channel.close());
    await page.goto(sent.link);
    await page.getByTestId('confirm-ok').waitFor();
    expect(await page.locator('body').innerText()).toContain('杭州恒信电子科技有限公司');
    expect(await page.locator('body').innerText()).toContain('3,390.00');
    await page.getByTestId('confirm-dispute').click();
    await page.locator('tr', { hasText: 'INV26-000502' }).locator('input[type=checkbox]').check();
    await page.getByTestId('confirm-comment').fill('000502 号发票尚未收到货物');
    await page.getByTestId('confirm-dispute-send').click();
    await page.getByTestId('confirm-answered').waitFor();
    await page.screenshot({ path: join(SHOTS, 'statement-confirm-phone.png'), fullPage: true });
    const [row] = await db.query<{ response: string; disputed_items: string[]; response_comment: string }>('SELECT response, disputed_items, response_comment FROM statement_confirmations WHERE id = $1', [sent.id]);
    expect(row).toEqual({ response: 'disputed', disputed_items: ['INV26-000502'], response_comment: '000502 号发票尚未收到货物' });
    // Opened again, the link shows the answer instead of the buttons.
    await page.reload();
    await page.getByTestId('confirm-answered').waitFor();
    expect(await page.getByTestId('confirm-ok').count()).toBe(0);
  });
});
