/** The HTTP POST both group robots use: JSON in, {"errcode":0,"errmsg":"ok"} out. */
import type { ChannelResult } from './email';

export interface RobotMessage {
  title: string;
  markdown: string;
}

export interface RobotChannel {
  /** Most bytes of Markdown one message may carry. */
  readonly maxBytes: number;
  send(webhookUrl: string, secret: string | null, message: RobotMessage, now: Date): Promise<ChannelResult & { statusCode: number | null }>;
}

/** Error codes meaning "too many messages": try again after a minute. */
const RATE_LIMITED = new Set([45009, 130101, 660026]);

export async function postRobot(url: string, body: unknown, timeoutMs = 10_000): Promise<ChannelResult & { statusCode: number | null }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Shoufu-Collections/1.0' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    const text = (await res.text()).slice(0, 500);
    if (!res.ok) return { outcome: 'failed', response: `HTTP ${res.status}: ${text}`, retry: true, statusCode: res.status };
    let parsed: { errcode?: number; errmsg?: string } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      return { outcome: 'failed', response: `not JSON: ${text}`, retry: true, statusCode: res.status };
    }
    if (parsed.errcode === 0) return { outcome: 'accepted', response: text, retry: false, statusCode: res.status };
    const retry = parsed.errcode !== undefined && RATE_LIMITED.has(parsed.errcode);
    return { outcome: 'failed', response: text, retry, statusCode: res.status };
  } catch (err) {
    return { outcome: 'failed', response: (err as Error).message, retry: true, statusCode: null };
  }
}

/** Cuts Markdown to at most maxBytes of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = maxBytes - 3;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return `${buf.subarray(0, end).toString('utf8')}…`;
}
