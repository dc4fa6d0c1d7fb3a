import { AppConfig, ConfigError, loadConfig } from '../../src/config/app-config.js';

// Issue 2: configuration is validated once at boot, and a bad variable is named.

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('configuration', () => {
  it('should fill every default when the environment is empty', () => {
    const config = loadConfig({});
    expect(config).toBeInstanceOf(AppConfig);
    expect(config.get('PORT')).toBe(3000);
    expect(config.get('HERALD_ROLE')).toBe('all');
    expect(config.get('QUEUE_PREFIX')).toBe('herald');
    expect(config.get('DEFAULT_CONTRACTUAL_NOTICE_HOURS')).toBe(72);
    expect(config.get('RULES_PATH')).toBeUndefined();
    expect(config.runsApi && config.runsWorkers).toBe(true);
  });

  it('should coerce and keep good values when they are given', () => {
    const config = loadConfig({
      PORT: '8080',
      HERALD_ROLE: 'worker',
      REDIS_URL: 'rediss://cache.internal:6380',
      TRUST_PROXY: 'true',
      RULES_PATH: '  ',
    });
    expect(config.get('PORT')).toBe(8080);
    expect(config.runsApi).toBe(false);
    expect(config.runsWorkers).toBe(true);
    expect(config.get('TRUST_PROXY')).toBe(true);
    // A blank optional variable counts as unset.
    expect(config.get('RULES_PATH')).toBeUndefined();
  });

  it.each([
    ['false', false],
    ['true', true],
    ['2', 2],
    ['10.0.0.0/8, 192.168.1.7', ['10.0.0.0/8', '192.168.1.7']],
    ['loopback,fd00::/8', ['loopback', 'fd00::/8']],
  ])('should read TRUST_PROXY=%p as Express reads trust proxy', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).get('TRUST_PROXY')).toEqual(expected);
  });

  it('should default to timeouts that close slow clients and to an open /metrics', () => {
    const config = loadConfig({});
    expect(config.get('TRUST_PROXY')).toBe(false);
    expect(config.get('HTTP_HEADERS_TIMEOUT_MS')).toBe(10_000);
    expect(config.get('HTTP_REQUEST_TIMEOUT_MS')).toBe(60_000);
    expect(config.get('HTTP_KEEP_ALIVE_TIMEOUT_MS')).toBe(5000);
    expect(config.get('METRICS_TOKEN')).toBeUndefined();
  });

  it.each([
    ['TRUST_PROXY', 'yes'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', '10.0.0.1, proxy.internal'],
    ['TRUST_PROXY', '11'],
    ['METRICS_TOKEN', 'short'],
    ['HTTP_HEADERS_TIMEOUT_MS', '10'],
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['HERALD_ROLE', 'both'],
    ['REDIS_URL', 'http://x'],
    ['DATABASE_URL', 'mysql://db/herald'],
    ['QUEUE_PREFIX', 'has:colon'],
    ['SMTP_URL', 'ftp://mail'],
    ['DEFAULT_CONTRACTUAL_NOTICE_HOURS', '0'],
    ['ESCALATION_EMAIL', 'not-an-address'],
    ['LOG_LEVEL', 'chatty'],
    ['PUBLIC_URL', 'herald.example.com'],
    ['PUBLIC_URL', 'ftp://herald.example.com'],
    ['PUBLIC_URL', 'https://herald.example.com/?tenant=x'],
    ['PUBLIC_URL', 'https://user:pw@herald.example.com'],
  ])('should refuse to start naming %s when it is %p', (name, value) => {
    const err = configError({ [name]: value });
    expect(err.message).toMatch(new RegExp(`^\\s+${name}: `, 'm'));
    // Only the bad variable is named.
    expect(err.message.match(/^\s+[A-Z_]+: /gm)).toHaveLength(1);
  });

  it('should build absolute URLs on PUBLIC_URL, or on localhost and PORT when it is unset', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://herald.example.com/notify/' }).publicUrl).toBe(
      'https://herald.example.com/notify',
    );
    expect(loadConfig({ PUBLIC_URL: ' ' }).publicUrl).toBe('http://localhost:3000');
  });

  it('should refuse a header timeout longer than the request timeout, naming it', () => {
    const err = configError({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' });
    expect(err.message).toMatch(
      /^\s+HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS/m,
    );
  });

  it('should name every bad variable at once when several are bad', () => {
    const err = configError({ PORT: 'abc', HERALD_ROLE: 'both', REDIS_URL: 'http://x' });
    for (const name of ['PORT', 'HERALD_ROLE', 'REDIS_URL'])
      expect(err.message).toMatch(new RegExp(`^\\s+${name}: `, 'm'));
  });

  it('should not echo a secret when a secret variable is bad', () => {
    const err = configError({
      ADMIN_API_KEY: 'short-secret-value',
      DATABASE_URL: 'mysql://app:hunter2-password@db/herald',
    });
    expect(err.message).toContain('ADMIN_API_KEY');
    expect(err.message).toContain('DATABASE_URL');
    expect(err.message).not.toContain('short-secret-value');
    expect(err.message).not.toContain('hunter2-password');
  });

  describe('the process entry point', () => {
    class Exited extends Error {
      constructor(readonly code: number | string | null | undefined) {
        super(`process.exit(${String(code)})`);
      }
    }

    it('should exit non-zero with the variable named on stderr when started with a bad variable', async () => {
      const saved = { ...process.env };
      const stderr: string[] = [];
      const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
        throw new Exited(code);
      });
      const write = jest
        .spyOn(process.stderr, 'write')
        .mockImplementation((chunk: string | Uint8Array) => {
          stderr.push(String(chunk));
          return true;
        });
      let thrown: unknown;
      try {
        process.env.PORT = 'abc';
        process.env.HERALD_ROLE = 'both';
        await jest.isolateModulesAsync(async () => {
          await import('../../src/main.js').catch((err: unknown) => {
            thrown = err;
          });
        });
      } finally {
        exit.mockRestore();
        write.mockRestore();
        process.env = saved;
      }
      expect(thrown).toBeInstanceOf(Exited);
      expect((thrown as Exited).code).not.toBe(0);
      expect((thrown as Exited).code).toEqual(expect.any(Number));
      const text = stderr.join('');
      expect(text).toMatch(/PORT: /);
      expect(text).toMatch(/HERALD_ROLE: /);
    });
  });
});
