import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedCall {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Answer = (call: ReceivedCall, nth: number, res: ServerResponse) => void;

/** A real HTTP receiver on 127.0.0.1 (loopback only) that records every call and every connection. */
export interface WebhookReceiver {
  url(path?: string): string;
  port: number;
  calls: ReceivedCall[];
  /** TCP connections accepted, whether or not a request followed. */
  connections: number;
  answer(path: string, answer: Answer): void;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(host = '127.0.0.1'): Promise<WebhookReceiver> {
  const answers = new Map<string, Answer>();
  const calls: ReceivedCall[] = [];
  const receiver = { connections: 0 } as { connections: number };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call = {
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      calls.push(call);
      const nth = calls.filter((c) => c.path === call.path).length;
      const answer = answers.get(call.path);
      if (answer) answer(call, nth, res);
      else res.writeHead(204).end();
    });
  });
  server.on('connection', () => receiver.connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const base = host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
  return Object.assign(receiver, {
    port,
    calls,
    url: (path = '/hook') => `${base}${path}`,
    answer: (path: string, answer: Answer) => void answers.set(path, answer),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as WebhookReceiver;
}

/**
 * Verifies a call with the standardwebhooks package, as a receiver would; `nowMs` is the
 * receiver's clock (the test app's clock) for the timestamp tolerance check. Throws when it fails.
 */
export function verifyCall(secret: string, call: ReceivedCall, nowMs = Date.now()): unknown {
  const realNow = Date.now;
  Date.now = () => nowMs;
  try {
    return new Webhook(secret).verify(call.body, {
      'webhook-id': String(call.headers['webhook-id']),
      'webhook-timestamp': String(call.headers['webhook-timestamp']),
      'webhook-signature': String(call.headers['webhook-signature']),
    });
  } finally {
    Date.now = realNow;
  }
}

export function verifies(secret: string, call: ReceivedCall, nowMs = Date.now()): boolean {
  try {
    verifyCall(secret, call, nowMs);
    return true;
  } catch {
    return false;
  }
}
