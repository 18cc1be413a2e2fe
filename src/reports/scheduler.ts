/**
 * Runs sendDueReports on an interval inside `shoufu serve` (SHOUFU_REPORTS_INTERVAL_MS, default
 * 5 min; 0 disables). Several app instances may run it: the delivery claim sends each week once.
 */
import type { Database } from '../db/database';
import { sendDueReports } from './subscriptions';

export function createReportScheduler(o: { db: Database; intervalMs: number; log?: (message: string) => void }) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = sendDueReports(o.db)
      .then((s) => {
        if (s.due > 0) o.log?.(`reports: ${s.sent} sent, ${s.failed} failed, ${s.skipped} taken by another instance`);
      })
      .catch((err: unknown) => o.log?.(`reports: ${(err as Error)?.message ?? String(err)}`))
      .finally(() => {
        running = null;
      });
  };
  return {
    start() {
      if (o.intervalMs > 0 && !timer) timer = setInterval(tick, o.intervalMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
