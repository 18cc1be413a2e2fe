/**
 * What every browser test needs: Debian's Chromium (required in CI), launched headless with the
 * flags this machine's closed network wants, and a real server listening on a free port.
 */
import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/lib/chromium/chromium'].find((p) => existsSync(p));

if (!CHROMIUM && process.env.CI === 'true') {
  throw new Error('CI needs Debian chromium for the browser tests (apt-get install -y chromium fonts-noto-cjk)');
}

export function launchBrowser(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('no chromium at /usr/bin/chromium');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Starts the server on a free loopback port and returns its base URL. */
export async function listenOnFreePort(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}

/** Logs in through the login page (already open) and waits until the app has left it. */
export async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}
