import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, isPrivateAddress } from './guard';
import { computeSignature, generateSecret, signatureHeader, verifySignature } from './signature';

describe('webhook signatures', () => {
  const secret = 'whsec_test_secret_0123456789';
  const body = '{"id":"e1","type":"invoice.created","data":{"total":"1130.00","party":"杭州"}}';
  const t = 1_767_225_600; // 2026-01-01T00:00:00Z
  const at = (seconds: number) => () => seconds * 1000;

  it('is HMAC-SHA256 of "<t>.<body>" keyed with the secret, hex, in a t=…,v1=… header', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(computeSignature(secret, t, body)).toBe(expected);
    expect(signatureHeader(secret, t, body)).toBe(`t=${t},v1=${expected}`);
    // A fixed vector, so that receivers in other languages can test against it.
    expect(computeSignature('whsec_abc', 1700000000, '{}')).toBe(createHmac('sha256', 'whsec_abc').update('1700000000.{}').digest('hex'));
  });

  it('verifies a good signature within the tolerance and rejects everything else', () => {
    const header = signatureHeader(secret, t, body);
    expect(verifySignature(header, secret, body, { now: at(t) })).toEqual({ ok: true, timestamp: t });
    expect(verifySignature(header, secret, body, { now: at(t + 299) }).ok).toBe(true);
    expect(verifySignature(header, secret, body, { now: at(t + 301) })).toEqual({ ok: false, reason: 'too_old' });
    expect(verifySignature(header, secret, body, { now: at(t - 301) })).toEqual({ ok: false, reason: 'too_new' });
    expect(verifySignature(header, secret, body, { now: at(t + 3600), toleranceSeconds: 7200 }).ok).toBe(true);
    expect(verifySignature(header, 'whsec_other', body, { now: at(t) })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(header, secret, `${body} `, { now: at(t) })).toEqual({ ok: false, reason: 'mismatch' });
    // The timestamp is signed: moving it breaks the signature.
    expect(verifySignature(header.replace(`t=${t}`, `t=${t + 1}`), secret, body, { now: at(t) }).ok).toBe(false);
    expect(verifySignature(undefined, secret, body).ok).toBe(false);
    expect(verifySignature('garbage', secret, body)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignature(`t=${t}`, secret, body, { now: at(t) })).toEqual({ ok: false, reason: 'no_signature' });
    expect(verifySignature(`t=${t},v1=zz`, secret, body, { now: at(t) })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts any of several v1 values (secret rotation)', () => {
    const good = computeSignature(secret, t, body);
    const other = computeSignature('whsec_previous_secret', t, body);
    expect(verifySignature(`t=${t},v1=${other},v1=${good}`, secret, body, { now: at(t) }).ok).toBe(true);
  });

  it('generates distinct url-safe secrets', () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateSecret()).not.toBe(a);
  });
});

describe('webhook URL guard', () => {
  it('allows http and https only', () => {
    expect(checkWebhookUrl('https://erp.example.com/hooks', false).ok).toBe(true);
    expect(checkWebhookUrl('http://10.1.2.3:8080/k3/webhook', false).ok).toBe(true);
    for (const bad of ['ftp://example.com/x', 'file:///etc/passwd', 'javascript:alert(1)', 'gopher://x', 'not a url', 'https://x.example/#frag']) {
      expect(checkWebhookUrl(bad, false).ok, bad).toBe(false);
    }
  });

  it('refuses private, loopback and link-local addresses when asked to', () => {
    for (const url of ['http://127.0.0.1/', 'http://localhost:3000/', 'http://10.0.0.5/', 'http://192.168.1.1/', 'http://172.20.0.1/', 'http://169.254.169.254/latest', 'http://[::1]/', 'http://[fd00::1]/', 'http://[::ffff:127.0.0.1]/']) {
      expect(checkWebhookUrl(url, true).ok, url).toBe(false);
      expect(checkWebhookUrl(url, false).ok, url).toBe(true);
    }
    expect(checkWebhookUrl('https://8.8.8.8/', true).ok).toBe(true);
    expect(isPrivateAddress('172.32.0.1')).toBe(false);
    expect(isPrivateAddress('100.64.1.1')).toBe(true);
    expect(isPrivateAddress('2001:db8::1')).toBe(false);
  });
});
