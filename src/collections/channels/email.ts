/**
 * Email over SMTP (nodemailer). Configured by SHOUFU_SMTP_URL (smtp://user:pass@host:587,
 * smtps://…:465; STARTTLS is used when the server offers it) and SHOUFU_MAIL_FROM. Each dunning
 * action's Message-ID is derived from the action id, so a resend after a crash carries the same
 * id and mail systems can recognise the duplicate.
 */
import nodemailer from 'nodemailer';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Record<string, string>;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

export interface ChannelResult {
  outcome: 'accepted' | 'bounced' | 'failed';
  response: string | null;
  /** Whether a failure is worth another attempt (a temporary error) or final. */
  retry: boolean;
}

export interface EmailChannel {
  readonly from: string;
  send(message: EmailMessage): Promise<ChannelResult>;
  close(): void;
}

export interface SmtpConfig {
  url: string;
  from: string;
  /** Connection, greeting and socket timeouts (default 30 s). */
  timeoutMs?: number;
  /** Accept self-signed certificates (a local relay). */
  allowSelfSigned?: boolean;
}

export function smtpConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SmtpConfig | null {
  const url = env.SHOUFU_SMTP_URL?.trim();
  if (!url) return null;
  return {
    url,
    from: env.SHOUFU_MAIL_FROM?.trim() || 'Shoufu 收付 <ar@localhost>',
    allowSelfSigned: env.SHOUFU_SMTP_ALLOW_SELF_SIGNED === '1',
  };
}

/** The domain part of the From address, for Message-IDs. */
export function mailDomain(from: string): string {
  const m = /@([^>\s]+)>?\s*$/.exec(from);
  return m?.[1] ?? 'localhost';
}

export function createSmtpChannel(config: SmtpConfig): EmailChannel {
  const timeout = config.timeoutMs ?? 30_000;
  const u = new URL(config.url);
  const transport = nodemailer.createTransport({
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'smtps:' ? 465 : 587)),
    secure: u.protocol === 'smtps:',
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    tls: { rejectUnauthorized: !config.allowSelfSigned },
  });
  return {
    from: config.from,
    async send(m: EmailMessage): Promise<ChannelResult> {
      try {
        const info = await transport.sendMail({
          from: config.from,
          to: m.to,
          subject: m.subject,
          text: m.text,
          html: m.html,
          messageId: m.messageId,
          headers: m.headers,
          ...(m.attachments ? { attachments: m.attachments } : {}),
        });
        if (info.rejected.length > 0 && info.accepted.length === 0) {
          return { outcome: 'bounced', response: String(info.response ?? 'rejected'), retry: false };
        }
        return { outcome: 'accepted', response: String(info.response ?? ''), retry: false };
      } catch (err) {
        const e = err as { responseCode?: number; response?: string; message?: string; command?: string };
        // A permanent 5xx refusal of the recipient is a bounce; anything else may be temporary.
        if (e.responseCode && e.responseCode >= 500 && e.responseCode < 600 && (e.command === 'RCPT TO' || /recipient/i.test(e.message ?? ''))) {
          return { outcome: 'bounced', response: e.response ?? e.message ?? 'bounced', retry: false };
        }
        return { outcome: 'failed', response: e.response ?? e.message ?? String(err), retry: !(e.responseCode && e.responseCode >= 500) };
      }
    },
    close() {
      transport.close();
    },
  };
}
