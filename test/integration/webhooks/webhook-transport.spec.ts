import { createServer } from 'node:net';
import type { Resolver } from '../../../src/webhooks/domain/address-policy.js';
import { WebhookTransport } from '../../../src/webhooks/webhook-transport.js';
import { startWebhookReceiver, WebhookReceiver } from '../../support/webhook-receiver.js';

// Every connection here goes to 127.0.0.1 or ::1; names are resolved by stubs, never by DNS.
const call = (url: string) => ({
  url,
  headers: { 'content-type': 'application/json' },
  body: '{}',
});

function resolverFrom(answers: string[][]): Resolver & { calls: number } {
  const state = { calls: 0 };
  const resolve: Resolver = () => {
    const next = answers[Math.min(state.calls, answers.length - 1)];
    state.calls++;
    return Promise.resolve(
      next.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
  return Object.defineProperty(resolve, 'calls', { get: () => state.calls }) as Resolver & {
    calls: number;
  };
}

describe('WebhookTransport', () => {
  let v4: WebhookReceiver;
  let v6: WebhookReceiver;
  beforeAll(async () => {
    v4 = await startWebhookReceiver('127.0.0.1');
    v6 = await startWebhookReceiver('::1');
  });
  afterAll(async () => {
    await v4.stop();
    await v6.stop();
  });
  beforeEach(() => {
    v4.connections = 0;
    v6.connections = 0;
  });

  it('should refuse at connect time a name that resolved to a public address at registration and to loopback now', async () => {
    const resolve = resolverFrom([['93.184.216.34'], ['127.0.0.1']]);
    const transport = new WebhookTransport({
      allowLoopback: false,
      timeoutMs: 2000,
      now: () => new Date(),
      resolve,
    });
    const url = `https://rebind.example:${v4.port}/hook`;
    expect(await transport.checkUrl(url)).toBeNull();
    const { result } = await transport.post(call(url));
    expect(result).toEqual({
      kind: 'permanent',
      status: null,
      error: 'refused: rebind.example resolves to 127.0.0.1, a loopback address',
    });
    expect(resolve.calls).toBe(2);
    expect(v4.connections).toBe(0);
  });

  it.each([
    (p4: number) => `https://127.0.0.1:${p4}/hook`,
    (_p4: number, p6: number) => `https://[::1]:${p6}/hook`,
    (p4: number) => `https://[::ffff:127.0.0.1]:${p4}/hook`,
    (p4: number) => `http://127.0.0.1:${p4}/hook`,
    (p4: number) => `http://2130706433:${p4}/hook`,
  ])(
    'should refuse loopback literals without the allowance, no connection made (%#)',
    async (make) => {
      const transport = new WebhookTransport({
        allowLoopback: false,
        timeoutMs: 2000,
        now: () => new Date(),
        resolve: resolverFrom([['127.0.0.1']]),
      });
      const { result } = await transport.post(call(make(v4.port, v6.port)));
      expect(result.kind).toBe('permanent');
      expect(v4.connections + v6.connections).toBe(0);
    },
  );

  it('should call a loopback name over http with the allowance, through the checked address', async () => {
    const resolve = resolverFrom([['127.0.0.1']]);
    const transport = new WebhookTransport({
      allowLoopback: true,
      timeoutMs: 2000,
      now: () => new Date(),
      resolve,
    });
    const before = v4.calls.length;
    const { result } = await transport.post(call(`http://receiver.test:${v4.port}/ok`));
    expect(result).toEqual({ kind: 'sent', status: 204 });
    expect(v4.calls.length).toBe(before + 1);
    expect(resolve.calls).toBe(1);
  });

  it('should refuse plain http to a name that resolves to a public address even with the allowance', async () => {
    const transport = new WebhookTransport({
      allowLoopback: true,
      timeoutMs: 2000,
      now: () => new Date(),
      resolve: resolverFrom([['93.184.216.34']]),
    });
    const { result } = await transport.post(call(`http://public.test:${v4.port}/x`));
    expect(result).toMatchObject({
      kind: 'permanent',
      error: expect.stringContaining('not a loopback address'),
    });
  });

  it('should give up on a receiver that does not answer within the timeout, as a temporary failure', async () => {
    v4.answer('/slow', () => undefined);
    const transport = new WebhookTransport({
      allowLoopback: true,
      timeoutMs: 300,
      now: () => new Date(),
    });
    const { result, durationMs } = await transport.post(call(v4.url('/slow')));
    expect(result).toMatchObject({
      kind: 'temporary',
      error: expect.stringContaining('ETIMEDOUT'),
    });
    expect(durationMs).toBeLessThan(2000);
  });

  it('should stop reading a large answer and still take its status', async () => {
    v4.answer('/big', (_c, _n, res) => {
      res.writeHead(200);
      res.end(Buffer.alloc(4 * 1024 * 1024, 97));
    });
    const transport = new WebhookTransport({
      allowLoopback: true,
      timeoutMs: 2000,
      now: () => new Date(),
    });
    expect((await transport.post(call(v4.url('/big')))).result).toEqual({
      kind: 'sent',
      status: 200,
    });
  });

  it('should count a refused connection as temporary', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const transport = new WebhookTransport({
      allowLoopback: true,
      timeoutMs: 2000,
      now: () => new Date(),
    });
    const { result } = await transport.post(call(`http://127.0.0.1:${port}/`));
    expect(result).toMatchObject({
      kind: 'temporary',
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });
});
