/**
 * Credit check in the browser: a finance user's order is blocked (exposure over the limit) and the
 * customer goes on hold; they request an override (特批); an admin — another user — approves it in
 * the approvals inbox; the same order then passes; a receipt brings the customer back within the
 * limit and the hold lifts. Real server, real Chromium.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import { addDays, todayIso } from '../../src/domain/dates';
import { withActor } from '../../src/services/actor';
import { setLimit } from '../../src/services/credit/limits';
import { databases, type Seed, seedBasics, TEST_PASSWORD } from '../integration/harness';
import { CHROMIUM, launchBrowser, listenOnFreePort, logIn } from './browser';

const ROOT = join(import.meta.dirname, '..', '..');
const WEB_DIST = join(ROOT, 'web', 'dist');

describe.skipIf(!CHROMIUM)('browser: credit check, override, hold', () => {
  let db: Database;
  let seed: Seed;
  let app: FastifyInstance;
  let browser: Browser;
  let base = '';
  let partyId = '';

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) {
      const vite = await import('vite');
      await vite.build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
    }
    db = await databases[0]!.open();
    seed = await seedBasics(db);
    partyId = (await seed.as().customer('C001', { name: '杭州恒信电子科技有限公司', region: '华东' })).id;
    const today = todayIso();
    await seed.as().invoice({ partyId, amount: '90000.00', issueDate: today, installments: [{ dueDate: addDays(today, 30), amount: '90000.00' }] });
    await withActor(db, seed.finance, (tx) => setLimit(tx, seed.finance, { partyId, amount: '100000.00' }));
    app = await buildServer({ db, webDist: WEB_DIST });
    base = await listenOnFreePort(app);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
  });

  async function loginAs(username: string): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${base}/login`);
    await logIn(page, username, TEST_PASSWORD);
    return page;
  }

  it('blocks an order, approves an override as another user, passes the order, lifts the hold after a receipt', async () => {
    const fin = await loginAs('finance');
    await fin.goto(`${base}/credit/check`);
    await fin.getByTestId('check-party').fill('C001');
    await fin.getByTestId('check-amount').fill('20000.00');
    await fin.getByTestId('check-order-ref').fill('SO-100');
    await fin.getByTestId('check-order').click();
    const result = fin.getByTestId('check-result');
    await expect.poll(() => result.getAttribute('data-decision')).toBe('block');
    await expect.poll(() => fin.getByTestId('check-reasons').innerText()).toContain('敞口 110,000.00 超过额度 100,000.00');
    await expect.poll(() => fin.getByTestId('check-hold').count()).toBe(1);
    await expect.poll(() => fin.getByTestId('holds-table').innerText()).toContain('C001');
    await fin.screenshot({ path: '/tmp/shoufu-credit-blocked.png', fullPage: true });

    await fin.getByTestId('override-reason').fill('战略客户，季度末大单');
    await fin.getByTestId('override-submit').click();
    await expect.poll(() => fin.getByText('特批申请已提交').count()).toBeGreaterThan(0);

    const adm = await loginAs('admin');
    await adm.goto(`${base}/approvals`);
    const approve = adm.locator('[data-testid^="approve-"]').first();
    await approve.waitFor();
    await expect.poll(() => adm.getByTestId('approvals-inbox').innerText()).toContain('特批 C001');
    await adm.screenshot({ path: '/tmp/shoufu-approvals-inbox.png', fullPage: true });
    await approve.click();
    await adm.getByTestId('decision-comment').fill('同意，限本单');
    await adm.getByRole('button', { name: /OK|确\s*定/ }).click();
    await expect.poll(() => adm.locator('[data-testid^="approve-"]').count()).toBe(0);

    await fin.getByTestId('check-order').click();
    await expect.poll(() => result.getAttribute('data-decision')).toBe('warn');
    await expect.poll(() => fin.getByTestId('check-decision').innerText()).toContain('SO-100');
    await expect.poll(() => fin.getByTestId('check-reasons').innerText()).toContain('特批放行');
    // Exposure with the order is still over the limit: the hold stays until payment.
    await expect.poll(() => fin.getByTestId('check-hold').count()).toBe(1);
    await fin.screenshot({ path: '/tmp/shoufu-credit-override.png', fullPage: true });

    // A receipt of ¥30,000.00: exposure 90,000 + 20,000 − 30,000 = 80,000 ≤ 100,000 → the hold lifts.
    await seed.as().receipt({ partyId, amount: '30000.00', receiptDate: todayIso() });
    await fin.reload();
    await expect.poll(() => fin.getByTestId('holds-table').innerText()).toContain('没有冻结中的客户');
    await fin.getByTestId('check-party').fill('C001');
    await fin.getByTestId('check-amount').fill('1000.00');
    await fin.getByTestId('check-run').click();
    await expect.poll(() => fin.getByTestId('check-result').getAttribute('data-decision')).toBe('allow');
    expect(await fin.getByTestId('check-hold').count()).toBe(0);
    await fin.screenshot({ path: '/tmp/shoufu-credit-released.png', fullPage: true });
    const holds = await db.query<{ released_by_rule: boolean }>('SELECT released_by_rule FROM credit_holds WHERE party_id = $1', [partyId]);
    expect(holds).toEqual([{ released_by_rule: true }]);
  }, 90_000);
});
