import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/app-config.js';

const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const dkim = (privateKey: string) => ({
  DKIM_DOMAIN: 'herald.test',
  DKIM_SELECTOR: 's1',
  DKIM_PRIVATE_KEY: privateKey,
});
const failure = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('DKIM and bounce settings', () => {
  it('should read the key from a file or an inline PEM with \\n escapes when DKIM is configured', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'herald-dkim-')), 'key.pem');
    writeFileSync(file, rsaPem);
    expect(loadConfig(dkim(file)).dkim).toEqual({
      domainName: 'herald.test',
      keySelector: 's1',
      privateKey: rsaPem,
    });
    const inline = loadConfig(dkim(rsaPem.trim().replace(/\n/g, '\\n'))).dkim;
    expect(inline?.privateKey).toBe(rsaPem.trim());
    expect(loadConfig({}).dkim).toBeUndefined();
  });

  it('should refuse to boot naming the setting when the DKIM key is missing, unreadable or not RSA', () => {
    expect(failure({ DKIM_DOMAIN: 'herald.test' })).toMatch(
      /DKIM_SELECTOR: is required with DKIM_DOMAIN[\s\S]*DKIM_PRIVATE_KEY: is required/,
    );
    expect(failure(dkim('/nonexistent/dkim.pem'))).toContain(
      'DKIM_PRIVATE_KEY: is neither a PEM nor a readable file (ENOENT',
    );
    expect(
      failure(dkim('-----BEGIN PRIVATE KEY-----\\ngarbage\\n-----END PRIVATE KEY-----')),
    ).toContain('DKIM_PRIVATE_KEY: is not a PEM private key');
    expect(failure(dkim(ecPem))).toContain('DKIM_PRIVATE_KEY: must be an RSA key, got ec');
    expect(failure({ ...dkim(rsaPem), DKIM_DOMAIN: 'not a domain' })).toContain('DKIM_DOMAIN');
  });

  it('should default BOUNCE_DOMAIN to the MAIL_FROM domain when unset', () => {
    expect(loadConfig({ MAIL_FROM: 'Herald <n@mail.provider.example>' }).bounceDomain).toBe(
      'mail.provider.example',
    );
    expect(loadConfig({ BOUNCE_DOMAIN: 'bounces.provider.example' }).bounceDomain).toBe(
      'bounces.provider.example',
    );
    expect(failure({ BOUNCE_DOMAIN: 'bad domain' })).toContain('BOUNCE_DOMAIN');
  });

  it('should derive one signing key per deployment and refuse a listener without any secret', () => {
    const admin = { ADMIN_API_KEY: 'a'.repeat(40) };
    expect(loadConfig(admin).bounceSigningKey).toEqual(loadConfig(admin).bounceSigningKey);
    expect(loadConfig(admin).bounceSigningKey).not.toEqual(
      loadConfig({ ADMIN_API_KEY: 'b'.repeat(40) }).bounceSigningKey,
    );
    expect(loadConfig({}).bounceSigningKey).toBeNull();
    expect(failure({ BOUNCE_SMTP_PORT: '2525' })).toContain(
      'BOUNCE_SIGNING_KEY: is required with BOUNCE_SMTP_PORT',
    );
    expect(loadConfig({ BOUNCE_SMTP_PORT: '2525', ...admin }).get('BOUNCE_SMTP_PORT')).toBe(2525);
  });
});
