/**
 * `shoufu webhooks …`: manage endpoints, deliver due deliveries now, scan for overdue invoices
 * (docs/webhooks.md). Runs as the system actor through the same use cases as the API.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { openFromEnv } from '../../app/runtime';
import { isIsoDate, todayIso } from '../../domain/dates';
import { SYSTEM_ACTOR, withActor } from '../../services/actor';
import { EVENT_DESCRIPTIONS, EVENT_TYPES } from '../../webhooks/events';
import { emitOverdue } from '../../webhooks/overdue';
import { createEndpoint, deleteEndpoint, listDeliveries, listEndpoints, replayDelivery, updateEndpoint } from '../../webhooks/service';
import { createWebhookWorker } from '../../webhooks/worker';

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function registerWebhookCommands(program: Command): void {
  const wh = program.command('webhooks').description('outbound webhooks: endpoints, deliveries, overdue scan');

  wh.command('list')
    .description('list endpoints (secrets are never shown again)')
    .action(async () => {
      const opened = await openFromEnv('webhooks list');
      try {
        const items = await withActor(opened.db, SYSTEM_ACTOR, (tx) => listEndpoints(tx, SYSTEM_ACTOR));
        process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
      } finally {
        await opened.close();
      }
    });

  wh.command('events')
    .description('the event types an endpoint can subscribe to')
    .action(() => {
      for (const t of EVENT_TYPES) process.stdout.write(`${t.padEnd(22)}${EVENT_DESCRIPTIONS[t]}\n`);
    });

  wh.command('add <url>')
    .description('add an endpoint; prints its signing secret once')
    .option('--events <types>', 'comma-separated event types, or * for all', '*')
    .option('--entities <codes>', 'only these entity codes (comma-separated)')
    .option('--description <text>', 'what the endpoint is')
    .option('--secret <secret>', 'use this secret instead of a generated one')
    .action(async (url: string, opts: { events: string; entities?: string; description?: string; secret?: string }) => {
      const opened = await openFromEnv('webhooks add');
      try {
        const created = await withActor(opened.db, SYSTEM_ACTOR, (tx) =>
          createEndpoint(tx, SYSTEM_ACTOR, {
            url,
            eventTypes: list(opts.events),
            entities: opts.entities ? list(opts.entities) : null,
            description: opts.description ?? null,
            ...(opts.secret ? { secret: opts.secret } : {}),
          }),
        );
        process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
        process.stderr.write('签名密钥只显示这一次 / the signing secret is shown this once: keep it now\n');
      } finally {
        await opened.close();
      }
    });

  for (const [name, active] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    wh.command(`${name} <id>`)
      .description(`${name} an endpoint`)
      .action(async (id: string) => {
        const opened = await openFromEnv(`webhooks ${name}`);
        try {
          const e = await withActor(opened.db, SYSTEM_ACTOR, (tx) => updateEndpoint(tx, SYSTEM_ACTOR, id, { active }));
          process.stdout.write(`${JSON.stringify(e)}\n`);
        } finally {
          await opened.close();
        }
      });
  }

  wh.command('remove <id>')
    .description('delete an endpoint and its delivery history')
    .action(async (id: string) => {
      const opened = await openFromEnv('webhooks remove');
      try {
        const r = await withActor(opened.db, SYSTEM_ACTOR, (tx) => deleteEndpoint(tx, SYSTEM_ACTOR, id));
        process.stdout.write(`${JSON.stringify(r)}\n`);
      } finally {
        await opened.close();
      }
    });

  wh.command('deliveries')
    .description('recent deliveries')
    .option('--status <status>', 'pending | succeeded | failed | dead')
    .option('--limit <n>', 'how many', '50')
    .action(async (opts: { status?: 'pending' | 'succeeded' | 'failed' | 'dead'; limit: string }) => {
      const opened = await openFromEnv('webhooks deliveries');
      try {
        const page = await withActor(opened.db, SYSTEM_ACTOR, (tx) =>
          listDeliveries(tx, SYSTEM_ACTOR, { status: opts.status, page: 1, pageSize: Math.min(500, Number(opts.limit) || 50) }),
        );
        for (const d of page.items) {
          process.stdout.write(`${d.id}  ${d.status.padEnd(9)} ${String(d.attempts).padStart(2)}× ${String(d.lastStatusCode ?? '-').padEnd(4)} ${d.type.padEnd(20)} ${d.url}\n`);
        }
      } finally {
        await opened.close();
      }
    });

  wh.command('replay <deliveryId>')
    .description('deliver the same event again as a new delivery (sent by the next deliver run)')
    .action(async (id: string) => {
      const opened = await openFromEnv('webhooks replay');
      try {
        const d = await withActor(opened.db, SYSTEM_ACTOR, (tx) => replayDelivery(tx, SYSTEM_ACTOR, id));
        process.stdout.write(`${JSON.stringify(d)}\n`);
      } finally {
        await opened.close();
      }
    });

  wh.command('deliver')
    .description('send every delivery that is due now, then exit')
    .option('--max-attempts <n>', 'attempts before a delivery is dead', '8')
    .action(async (opts: { maxAttempts: string }) => {
      const opened = await openFromEnv('webhooks deliver');
      try {
        const worker = createWebhookWorker({
          db: opened.db,
          maxAttempts: Math.max(1, Number(opts.maxAttempts) || 8),
          log: (m) => process.stderr.write(`${m}\n`),
        });
        process.stdout.write(`${JSON.stringify(await worker.drain())}\n`);
      } finally {
        await opened.close();
      }
    });

  wh.command('scan-overdue')
    .description('emit invoice.overdue for installments overdue as of a date (once per installment)')
    .option('--as-of <date>', 'YYYY-MM-DD (default today)', (v: string) => {
      if (!isIsoDate(v)) throw new InvalidArgumentError('expected a date YYYY-MM-DD');
      return v;
    })
    .action(async (opts: { asOf?: string }) => {
      const opened = await openFromEnv('webhooks scan-overdue');
      try {
        process.stdout.write(`${JSON.stringify(await emitOverdue(opened.db, opts.asOf ?? todayIso()))}\n`);
      } finally {
        await opened.close();
      }
    });
}
