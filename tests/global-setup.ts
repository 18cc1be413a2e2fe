/**
 * Builds the web UI once before the test run, so that browser tests always exercise the current
 * sources rather than whatever web/dist an earlier build left behind (a Vite build takes ~2 s).
 */
import { join } from 'node:path';

export default async function setup(): Promise<void> {
  if (process.env.SHOUFU_SKIP_BROWSER) return;
  const vite = await import('vite');
  await vite.build({ configFile: join(import.meta.dirname, '..', 'web', 'vite.config.ts'), logLevel: 'warn' });
}
