import ipaddr from 'ipaddr.js';

/** Where a webhook may be sent: public unicast addresses, and loopback when allowed (tests, local use). */
export interface AddressPolicy {
  allowLoopback: boolean;
  /** Plain http: only loopback addresses pass (nothing on the wire leaves the machine). */
  loopbackOnly?: boolean;
}

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * Whether an IP address (v4 or v6 text, brackets allowed) may be connected to. Only ipaddr.js's
 * `unicast` range passes: private, CGNAT, link-local (169.254.169.254, the cloud metadata
 * address, among them), unique-local (fd00:ec2::254 too), multicast, reserved, NAT64, 6to4,
 * Teredo and the rest are refused. An IPv4-mapped IPv6 address is judged as the IPv4 it maps to.
 */
export function checkAddress(address: string, policy: AddressPolicy): AddressVerdict {
  const text = address.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(text)) return { allowed: false, reason: `${address} is not an IP address` };
  let parsed = ipaddr.parse(text);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  if (policy.loopbackOnly && range !== 'loopback')
    return { allowed: false, reason: `${address} is not a loopback address (plain http)` };
  if (range === 'unicast') return { allowed: true };
  if (range === 'loopback' && policy.allowLoopback) return { allowed: true };
  return { allowed: false, reason: `${address} is a ${range} address` };
}

export function isLoopback(address: string): boolean {
  const text = address.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(text)) return false;
  const parsed = ipaddr.process(text);
  return parsed.range() === 'loopback';
}

/** Resolves a host name to every address it has (dns.lookup with all: true, or a stub in tests). */
export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/**
 * Every address `hostname` resolves to must pass the policy: one forbidden address refuses the
 * name (a name with a public and a private address is refused, whichever a connection would use).
 */
export async function checkHost(
  hostname: string,
  policy: AddressPolicy,
  resolve: Resolver,
): Promise<
  | { allowed: true; addresses: Array<{ address: string; family: number }> }
  | { allowed: false; reason: string }
> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host)) {
    const verdict = checkAddress(host, policy);
    return verdict.allowed
      ? { allowed: true, addresses: [{ address: host, family: host.includes(':') ? 6 : 4 }] }
      : verdict;
  }
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = await resolve(host);
  } catch (err) {
    return {
      allowed: false,
      reason: `${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    };
  }
  if (!addresses.length) return { allowed: false, reason: `${host} does not resolve` };
  for (const a of addresses) {
    const verdict = checkAddress(a.address, policy);
    if (!verdict.allowed)
      return {
        allowed: false,
        reason: `${host} resolves to ${verdict.reason.replace(/^\S+ is /, `${a.address}, `)}`,
      };
  }
  return { allowed: true, addresses };
}

/**
 * The URL rule: https, or http to a loopback host when loopback is allowed; no credentials in
 * the URL. Returns the problem, or null when the URL's form is acceptable (its addresses are
 * checked separately, at registration and again at every connection).
 */
export function checkUrlForm(raw: string, policy: AddressPolicy): string | null {
  const url = URL.parse(raw);
  if (!url) return 'must be an absolute URL';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.protocol === 'https:') return null;
  if (url.protocol !== 'http:') return 'must use https';
  if (!policy.allowLoopback)
    return 'must use https (http is allowed only to loopback, with WEBHOOK_ALLOW_LOOPBACK=true)';
  return null;
}

/** The address policy a URL's connections follow: plain http reaches loopback only. */
export function policyForUrl(url: URL, allowLoopback: boolean): AddressPolicy {
  return { allowLoopback, loopbackOnly: url.protocol === 'http:' };
}
