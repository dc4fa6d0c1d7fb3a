import fc from 'fast-check';
import { checkAddress, checkHost, checkUrlForm, Resolver } from './address-policy.js';

const off = { allowLoopback: false };
const on = { allowLoopback: true };

// A resolver stub: names map to fixed addresses, and nothing is ever looked up for real.
function stubResolver(table: Record<string, string[]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = (host: string) => {
    asked.push(host);
    const addresses = table[host];
    if (!addresses)
      return Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
    return Promise.resolve(
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
  return Object.assign(resolve, { asked });
}

describe('checkAddress', () => {
  it.each([
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['fc00::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['2002:a00:1::', '6to4'],
  ])('should refuse %s (a %s address)', (address, range) => {
    expect(checkAddress(address, on)).toEqual({
      allowed: false,
      reason: `${address} is a ${range} address`,
    });
  });

  it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])(
    'should refuse loopback %s unless loopback is allowed',
    (address) => {
      expect(checkAddress(address, off).allowed).toBe(false);
      expect(checkAddress(address, on).allowed).toBe(true);
    },
  );

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '[2606:4700:4700::1111]'])(
    'should allow the public address %s',
    (address) => {
      expect(checkAddress(address, off)).toEqual({ allowed: true });
    },
  );

  it('should allow only loopback over plain http', () => {
    expect(checkAddress('93.184.216.34', { allowLoopback: true, loopbackOnly: true }).allowed).toBe(
      false,
    );
    expect(checkAddress('127.0.0.1', { allowLoopback: true, loopbackOnly: true }).allowed).toBe(
      true,
    );
  });

  it('should refuse anything that is not an IP address', () => {
    expect(checkAddress('example.com', on).allowed).toBe(false);
  });

  // Properties over whole ranges, against their CIDR definitions written out here.
  const octet = fc.integer({ min: 0, max: 255 });
  it('should refuse every address of 10/8, 172.16/12, 192.168/16, 169.254/16 and 100.64/10, plain or IPv4-mapped', () => {
    const inRanges = fc.oneof(
      fc.tuple(octet, octet, octet).map(([b, c, d]) => `10.${b}.${c}.${d}`),
      fc
        .tuple(fc.integer({ min: 16, max: 31 }), octet, octet)
        .map(([b, c, d]) => `172.${b}.${c}.${d}`),
      fc.tuple(octet, octet).map(([c, d]) => `192.168.${c}.${d}`),
      fc.tuple(octet, octet).map(([c, d]) => `169.254.${c}.${d}`),
      fc
        .tuple(fc.integer({ min: 64, max: 127 }), octet, octet)
        .map(([b, c, d]) => `100.${b}.${c}.${d}`),
    );
    fc.assert(
      fc.property(inRanges, fc.boolean(), (v4, mapped) => {
        expect(checkAddress(mapped ? `::ffff:${v4}` : v4, on).allowed).toBe(false);
      }),
    );
  });

  it('should refuse every fc00::/7 and fe80::/10 address', () => {
    const hextet = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
    const v6 = fc.oneof(
      fc
        .tuple(fc.integer({ min: 0xfc00, max: 0xfdff }), hextet)
        .map(([a, b]) => `${a.toString(16)}:${b}::1`),
      fc
        .tuple(fc.integer({ min: 0xfe80, max: 0xfebf }), hextet)
        .map(([a, b]) => `${a.toString(16)}:${b}::1`),
    );
    fc.assert(fc.property(v6, (address) => expect(checkAddress(address, on).allowed).toBe(false)));
  });
});

describe('checkHost', () => {
  const resolver = stubResolver({
    'ten.example': ['10.0.0.1'],
    'sixteen.example': ['172.16.0.1'],
    'home.example': ['192.168.1.1'],
    'metadata.example': ['169.254.169.254'],
    'cgnat.example': ['100.64.0.1'],
    'ula.example': ['fc00::1'],
    'link.example': ['fe80::1'],
    'mapped.example': ['::ffff:10.0.0.1'],
    'loop.example': ['127.0.0.1'],
    'mixed.example': ['93.184.216.34', '10.0.0.1'],
    'public.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  });

  it.each([
    ['ten.example', '10.0.0.1'],
    ['sixteen.example', '172.16.0.1'],
    ['home.example', '192.168.1.1'],
    ['metadata.example', '169.254.169.254'],
    ['cgnat.example', '100.64.0.1'],
    ['ula.example', 'fc00::1'],
    ['link.example', 'fe80::1'],
    ['mapped.example', '::ffff:10.0.0.1'],
    ['mixed.example', '10.0.0.1'],
  ])('should refuse %s, which resolves to %s', async (host, address) => {
    const verdict = await checkHost(host, on, resolver);
    expect(verdict.allowed).toBe(false);
    expect(!verdict.allowed && verdict.reason).toContain(address);
  });

  it('should refuse a name resolving to loopback unless loopback is allowed', async () => {
    expect((await checkHost('loop.example', off, resolver)).allowed).toBe(false);
    expect((await checkHost('loop.example', on, resolver)).allowed).toBe(true);
  });

  it('should allow a name whose every address is public, and give them all', async () => {
    expect(await checkHost('public.example', off, resolver)).toEqual({
      allowed: true,
      addresses: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
      ],
    });
  });

  it('should refuse a name that does not resolve', async () => {
    const verdict = await checkHost('nowhere.example', off, resolver);
    expect(verdict).toEqual({
      allowed: false,
      reason: 'nowhere.example does not resolve (ENOTFOUND)',
    });
  });

  it('should judge an IP literal without asking the resolver', async () => {
    const before = resolver.asked.length;
    expect((await checkHost('[::1]', off, resolver)).allowed).toBe(false);
    expect((await checkHost('10.0.0.1', on, resolver)).allowed).toBe(false);
    expect(resolver.asked.length).toBe(before);
  });
});

describe('checkUrlForm', () => {
  it('should take https, and http only with the loopback allowance', () => {
    expect(checkUrlForm('https://hooks.example/x', off)).toBeNull();
    expect(checkUrlForm('http://127.0.0.1:8080/x', off)).toMatch(/must use https/);
    expect(checkUrlForm('http://127.0.0.1:8080/x', on)).toBeNull();
    expect(checkUrlForm('ftp://hooks.example/x', on)).toBe('must use https');
    expect(checkUrlForm('https://user:pw@hooks.example/x', on)).toBe(
      'must not contain credentials',
    );
    expect(checkUrlForm('not a url', on)).toBe('must be an absolute URL');
  });
});
