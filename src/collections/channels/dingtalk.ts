/**
 * 钉钉 (DingTalk) custom robot: POST https://oapi.dingtalk.com/robot/send?access_token=…
 * with {"msgtype":"markdown","markdown":{"title":"…","text":"…"}}. With the "加签" security
 * setting the URL also carries timestamp (ms) and sign = urlEncode(base64(HmacSHA256(secret,
 * timestamp + "\n" + secret))); DingTalk refuses a timestamp more than an hour off.
 */
import { createHmac } from 'node:crypto';
import { postRobot, type RobotChannel, truncateUtf8 } from './robot';

export const DINGTALK_MAX_BYTES = 18_000;

export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** The webhook URL with timestamp and sign appended (unchanged when there is no secret). */
export function signedDingtalkUrl(webhookUrl: string, secret: string | null, timestampMs: number): string {
  if (!secret) return webhookUrl;
  const sep = webhookUrl.includes('?') ? '&' : '?';
  return `${webhookUrl}${sep}timestamp=${timestampMs}&sign=${encodeURIComponent(dingtalkSign(secret, timestampMs))}`;
}

export function dingtalkBody(title: string, markdown: string) {
  return { msgtype: 'markdown' as const, markdown: { title: truncateUtf8(title, 200), text: truncateUtf8(markdown, DINGTALK_MAX_BYTES) } };
}

export function createDingtalkChannel(timeoutMs = 10_000): RobotChannel {
  return {
    maxBytes: DINGTALK_MAX_BYTES,
    send: (url, secret, message, now) => postRobot(signedDingtalkUrl(url, secret, now.getTime()), dingtalkBody(message.title, message.markdown), timeoutMs),
  };
}
