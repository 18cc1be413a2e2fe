/**
 * An admin wires up a webhook in the browser: creates an endpoint pointing at a real local
 * receiver (copying the secret shown once), an invoice is created through the API, the delivery
 * appears on the page as delivered, Replay sends it again as a second delivery. Real server, real
 * worker loop, real Chromium, a receiver that verifies every signature.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import { verifySignature } from '../../src/webhooks/signature';
import { createWebhookWorker, type WebhookWorker } from '../../src/webhooks/worker';
import { databases, seedBasics, TEST_PASSWORD } from '../integration/harness';
import { CHROMIUM, launchBrowser, listenOnFreePort, logIn } from './browser';

const ROOT = join(import.meta.dirname, '..', '..');
const WEB_DIST = join(ROOT, 'web', 'dist');
const SHOT = '/tmp/shoufu-webhooks.png';

describe.skipIf(!CHROMIUM)('browser: webhooks', () => {
  let db: Database;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base = '';
  let worker: WebhookWorker;
  let receiver: Server;
  let receiverUrl = '';
  let secret = '';
  const received: { headers: IncomingHttpHeaders; body: string; ok: boolean }[] = [];

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) {
      const vite = await import('vite');
      await vite.build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
    }
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const ok = verifySignature(String(req.headers['shoufu-signature'] ?? ''), secret, body).ok;
        received.push({ headers: req.headers, body, ok });
        res.writeHead(ok ? 200 : 401).end(ok ? 'received' : 'bad signature');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/erp/webhook`;

    db = await databases[0]!.open();
    const seed = await seedBasics(db);
    await seed.as().customer('C001', { name: '杭州恒信电子科技有限公司', region: '华东' });
    app = await buildServer({ db, webDist: WEB_DIST });
    base = await listenOnFreePort(app);
    // What `shoufu serve` runs, on a short interval.
    worker = createWebhookWorker({ db, timeoutMs: 5000 });
    worker.start(200, null);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(15_000);
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await browser?.close();
    await app?.close();
    await db?.close();
    receiver?.closeAllConnections();
    await new Promise((r) => receiver?.close(r));
  });

  it('creates an endpoint, sees the invoice delivery, replays it', async () => {
    await page.goto(`${base}/login`);
    await logIn(page, 'admin', TEST_PASSWORD);

    // The menu entry leads to the page.
    await page.getByTestId('nav-webhooks').click();
    await page.waitForURL((u) => u.pathname === '/webhooks');
    await expect.poll(() => page.locator('body').innerText()).toContain('还没有接收端点');

    // New endpoint: URL and description; all events by default. The secret is shown once.
    await page.getByTestId('webhook-new').click();
    await page.getByTestId('webhook-url').fill(receiverUrl);
    await page.getByTestId('webhook-description').fill('金蝶云星空 ERP');
    await page.getByTestId('webhook-create-submit').click();
    const secretText = page.getByTestId('webhook-secret');
    await secretText.waitFor();
    secret = (await secretText.innerText()).trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    await page.getByTestId('webhook-secret-close').click();
    await expect.poll(() => page.getByTestId('webhook-endpoints').innerText()).toContain(receiverUrl);
    expect(await page.getByTestId('webhook-endpoints').innerText()).toContain('全部事件');

    // An invoice created through the API (the browser's session) is delivered by the worker.
    const created = await page.request.post(`${base}/api/invoices`, {
      data: { partyCode: 'C001', currency: 'CNY', issueDate: '2026-03-01', lines: [{ description: '技术服务费', unitPrice: '1130.00' }] },
    });
    expect(created.status()).toBe(201);
    const invoice = (await created.json()) as { id: string; number: string };
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
    expect(received[0]!.ok).toBe(true);
    const sent = JSON.parse(received[0]!.body) as { id: string; type: string; data: { invoice: { id: string; total: string } } };
    expect(sent).toMatchObject({ type: 'invoice.created', data: { invoice: { id: invoice.id, total: '1130.00' } } });

    // The page (refreshing itself) shows the delivery as succeeded with HTTP 200.
    const rows = page.getByTestId('webhook-deliveries').locator('tbody tr.ant-table-row');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => rows.first().innerText()).toContain('成功');
    expect(await rows.first().innerText()).toContain('invoice.created');
    expect(await rows.first().innerText()).toContain('200');

    // Replay: a second delivery of the same event, also delivered and signed.
    await rows.first().locator('[data-testid^="webhook-replay-"]').click();
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(2);
    expect(received[1]!.ok).toBe(true);
    expect(JSON.parse(received[1]!.body).id).toBe(sent.id);
    expect(received[1]!.headers['shoufu-delivery']).not.toBe(received[0]!.headers['shoufu-delivery']);
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    await expect.poll(() => page.getByTestId('webhook-deliveries').locator('[data-testid="webhook-status-succeeded"]').count(), { timeout: 10_000 }).toBe(2);
    expect(await rows.first().innerText()).toContain('重放');

    // The attempts of a delivery, expanded.
    await rows.first().locator('.ant-table-row-expand-icon').click();
    await expect.poll(() => page.locator('[data-testid^="webhook-attempts-"]').innerText()).toContain('received');
    await new Promise((r) => setTimeout(r, 500));
    await page.screenshot({ path: SHOT, fullPage: true });
  });
});
