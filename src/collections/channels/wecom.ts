/**
 * 企业微信 (WeCom) group robot: POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…
 * with {"msgtype":"markdown","markdown":{"content":"…"}} (content ≤ 4096 bytes of UTF-8).
 * The key in the URL is the credential; there is no signature. About 20 messages a minute per robot.
 */
import { postRobot, type RobotChannel, truncateUtf8 } from './robot';

export const WECOM_MAX_BYTES = 4096;

export function wecomBody(markdown: string): { msgtype: 'markdown'; markdown: { content: string } } {
  return { msgtype: 'markdown', markdown: { content: truncateUtf8(markdown, WECOM_MAX_BYTES) } };
}

export function createWecomChannel(timeoutMs = 10_000): RobotChannel {
  return {
    maxBytes: WECOM_MAX_BYTES,
    send: (url, _secret, message) => postRobot(url, wecomBody(message.markdown), timeoutMs),
  };
}
