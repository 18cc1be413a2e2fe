/**
 * One HTTP POST of a webhook body, with a hard deadline, no redirects followed (a 3xx is a
 * failure), at most 64 KiB of the response read and its first 1,000 characters kept. Uses
 * node:http/https directly rather than fetch so that the connection's DNS lookup can be guarded
 * (guard.ts) — the address checked is the address connected to.
 */
import http from 'node:http';
import https from 'node:https';
import { guardedLookup } from './guard';

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  /** The first 1,000 characters of the response body. */
  excerpt: string | null;
  error: string | null;
  durationMs: number;
}

export const EXCERPT_CHARS = 1000;
const MAX_READ_BYTES = 64 * 1024;

export function postJson(
  url: string,
  headers: Record<string, string>,
  body: string,
  opts: { timeoutMs: number; blockPrivate: boolean },
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (r: Omit<SendResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, durationMs: elapsed() });
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      finish({ ok: false, statusCode: null, excerpt: null, error: 'invalid URL' });
      return;
    }
    const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : null;
    if (!client) {
      finish({ ok: false, statusCode: null, excerpt: null, error: `unsupported scheme ${target.protocol}` });
      return;
    }
    const payload = Buffer.from(body, 'utf8');
    const req = client.request(
      target,
      {
        method: 'POST',
        agent: false,
        headers: { ...headers, 'Content-Length': String(payload.length), Connection: 'close' },
        ...(opts.blockPrivate ? { lookup: guardedLookup as unknown as http.RequestOptions['lookup'] } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let read = 0;
        res.on('data', (c: Buffer) => {
          if (read < MAX_READ_BYTES) chunks.push(c);
          read += c.length;
          if (read >= MAX_READ_BYTES) res.destroy();
        });
        const done = () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).subarray(0, MAX_READ_BYTES).toString('utf8');
          finish({
            ok: status >= 200 && status < 300,
            statusCode: status,
            excerpt: text ? text.slice(0, EXCERPT_CHARS) : null,
            error: status >= 200 && status < 300 ? null : `HTTP ${status}`,
          });
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, statusCode: null, excerpt: null, error: `timed out after ${opts.timeoutMs} ms` });
    }, opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      finish({ ok: false, statusCode: null, excerpt: null, error: `${err.code ? `${err.code}: ` : ''}${err.message}`.slice(0, 500) });
    });
    req.end(payload);
  });
}
