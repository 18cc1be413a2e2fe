/**
 * What a webhook URL may point at. Always: http or https only, no fragments, a host. Private,
 * loopback and link-local addresses are allowed by default, since self-hosted ERPs usually live
 * on the company network; SHOUFU_WEBHOOK_BLOCK_PRIVATE=1 refuses them, checked both when an
 * endpoint is saved and on every connection (the resolved address, so DNS cannot smuggle one in).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export function blockPrivateFromEnv(): boolean {
  return process.env.SHOUFU_WEBHOOK_BLOCK_PRIVATE === '1';
}

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** True for loopback, private (RFC 1918, ULA), link-local, CGNAT, multicast and unspecified addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
    return PRIVATE.check(address, 'ipv6');
  }
  return false;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** Syntax and scheme; with blockPrivate also a literal private address or localhost. */
export function checkWebhookUrl(raw: string, blockPrivate = blockPrivateFromEnv()): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a valid URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'only http and https URLs are allowed' };
  if (!url.hostname) return { ok: false, reason: 'the URL has no host' };
  if (url.hash) return { ok: false, reason: 'the URL must not have a #fragment' };
  if (raw.length > 2000) return { ok: false, reason: 'the URL is longer than 2000 characters' };
  if (blockPrivate) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host)) {
      return { ok: false, reason: 'private and loopback addresses are refused (SHOUFU_WEBHOOK_BLOCK_PRIVATE=1)' };
    }
  }
  return { ok: true, url };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A dns.lookup for http.request that refuses private addresses: the connection goes to the
 * address checked here, so a name that resolves differently later cannot reach the inside.
 */
export function guardedLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad) {
      const e: NodeJS.ErrnoException = new Error(
        `${hostname} resolves to the private address ${bad.address}; refused (SHOUFU_WEBHOOK_BLOCK_PRIVATE=1)`,
      );
      e.code = 'EPRIVATEADDRESS';
      return callback(e, []);
    }
    if ((options as { all?: boolean }).all) return callback(null, list);
    const first = list[0];
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
    return callback(null, first.address, first.family);
  });
}
