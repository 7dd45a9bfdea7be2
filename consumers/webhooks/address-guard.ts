// Where webhooks may go. A webhook URL is configuration, but the process sending it sits inside the network, so a
// careless (or hostile) URL must not reach cloud metadata services or the host itself: only http(s), never
// link-local or metadata addresses, loopback only when explicitly allowed (tests), private ranges per config.
// The check runs on every address the name resolves to, at connect time (the lookup the HTTP agent uses), so a
// DNS answer that changes between check and connect (rebinding) cannot slip through.
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { lookup as dnsLookup } from 'node:dns';

export interface TargetPolicy {
  allowLoopback: boolean;
  allowPrivateNetworks: boolean;
  /** CIDRs allowed whatever the rules below say. */
  allowCidrs: string[];
}

export type AddressClass = 'public' | 'private' | 'loopback' | 'link-local' | 'metadata' | 'unspecified' | 'multicast';

/** Names of cloud metadata services; refused whatever they resolve to (allow the address by CIDR if you must). */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.internal', 'metadata.platformequinix.com']);

const list = (entries: Array<[string, number, 'ipv4' | 'ipv6']>) => {
  const b = new BlockList();
  for (const [net, prefix, family] of entries) b.addSubnet(net, prefix, family);
  return b;
};

// Order matters: the first class that matches wins (metadata before link-local, which contains AWS's).
const CLASSES: Array<[AddressClass, BlockList]> = [
  ['metadata', list([['169.254.169.254', 32, 'ipv4'], ['169.254.170.2', 32, 'ipv4'], ['100.100.100.200', 32, 'ipv4'], ['192.0.0.192', 32, 'ipv4'], ['fd00:ec2::254', 128, 'ipv6']])],
  ['link-local', list([['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']])],
  ['loopback', list([['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']])],
  ['unspecified', list([['0.0.0.0', 8, 'ipv4'], ['::', 128, 'ipv6']])],
  ['multicast', list([['224.0.0.0', 4, 'ipv4'], ['240.0.0.0', 4, 'ipv4'], ['ff00::', 8, 'ipv6']])],
  ['private', list([['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['100.64.0.0', 10, 'ipv4'], ['fc00::', 7, 'ipv6']])],
];

/** ::ffff:169.254.169.254 is 169.254.169.254. */
function unmap(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

export function classify(address: string): AddressClass {
  const a = unmap(address);
  for (const [cls, blocks] of CLASSES) if (blocks.check(a.address, a.family)) return cls;
  return 'public';
}

function allowList(cidrs: string[]): BlockList {
  const b = new BlockList();
  for (const cidr of cidrs) {
    const [net, bits] = cidr.split('/');
    const family = isIP(net ?? '') === 6 ? 'ipv6' : 'ipv4';
    b.addSubnet(net!, Number(bits ?? (family === 'ipv6' ? 128 : 32)), family);
  }
  return b;
}

export class TargetRefused extends Error {
  override name = 'TargetRefused';
}

export function createTargetGuard(policy: TargetPolicy) {
  const allowed = allowList(policy.allowCidrs);

  /** Undefined if the address may be connected to, else why not. */
  function refuseAddress(address: string): string | undefined {
    const a = unmap(address);
    if (allowed.check(a.address, a.family)) return undefined;
    const cls = classify(address);
    if (cls === 'public') return undefined;
    if (cls === 'private' && policy.allowPrivateNetworks) return undefined;
    if (cls === 'loopback' && policy.allowLoopback) return undefined;
    return `${address} is a ${cls} address`;
  }

  /** Static checks on the URL (scheme, metadata names, literal addresses); names are checked again at connect. */
  function checkUrl(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new TargetRefused('not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetRefused(`scheme ${url.protocol} is not allowed (http and https only)`);
    if (url.username || url.password) throw new TargetRefused('credentials in the URL are not allowed (use endpoint headers)');
    const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
    if (METADATA_NAMES.has(host)) throw new TargetRefused(`${host} is a metadata service`);
    if (host === 'localhost' || host.endsWith('.localhost')) {
      if (!policy.allowLoopback) throw new TargetRefused(`${host} is a loopback name`);
    }
    if (isIP(host)) {
      const why = refuseAddress(host);
      if (why) throw new TargetRefused(why);
    }
    return url;
  }

  /** A dns.lookup replacement for the HTTP agent: resolves, then refuses if ANY answer is not allowed. */
  const lookup: LookupFunction = (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
    dnsLookup(hostname, { family, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const refused = addresses.map((a) => refuseAddress(a.address)).find(Boolean);
      if (refused) return callback(new TargetRefused(`${hostname} resolves to ${refused}`), []);
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} did not resolve`), []);
      callback(null, first.address, first.family);
    });
  };

  return { checkUrl, refuseAddress, lookup };
}

export type TargetGuard = ReturnType<typeof createTargetGuard>;
