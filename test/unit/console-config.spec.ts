import { ConfigError, loadConfig } from '../../src/config/app-config.js';

const message = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return '';
};

describe('console configuration', () => {
  it('should need OIDC_CLIENT_ID and PUBLIC_URL when OIDC_ISSUER is set', () => {
    const text = message({ OIDC_ISSUER: 'https://idp.example.com' });
    expect(text).toContain('OIDC_CLIENT_ID: is required with OIDC_ISSUER');
    expect(text).toContain('PUBLIC_URL: is required with OIDC_ISSUER');
  });

  it('should refuse a PUBLIC_URL or issuer that is not an http(s) URL', () => {
    expect(message({ PUBLIC_URL: 'herald.example.com' })).toContain('PUBLIC_URL: must be a URL');
    expect(message({ OIDC_ISSUER: 'ftp://idp.example.com' })).toContain(
      'OIDC_ISSUER: must be a URL',
    );
  });

  it('should refuse a role map with a tenant role or no role', () => {
    expect(message({ OIDC_ROLE_MAP: 'customers=tenant' })).toContain('OIDC_ROLE_MAP');
    expect(message({ OIDC_ROLE_MAP: 'herald-comms' })).toContain('OIDC_ROLE_MAP');
  });

  it('should accept a full OIDC setup and default the role claim and timeouts', () => {
    const config = loadConfig({
      OIDC_ISSUER: 'https://idp.example.com/realms/staff',
      OIDC_CLIENT_ID: 'herald',
      OIDC_CLIENT_SECRET: 's3cret',
      PUBLIC_URL: 'https://herald.example.com',
      OIDC_ROLE_MAP: 'herald-comms=comms, herald-audit=auditor',
    });
    expect(config.get('OIDC_ROLE_CLAIM')).toBe('groups');
    expect(config.get('CONSOLE_IDLE_MINUTES')).toBe(30);
    expect(config.get('CONSOLE_SESSION_HOURS')).toBe(12);
    expect(config.get('CONSOLE_KEY_SIGN_IN')).toBe(true);
  });
});
