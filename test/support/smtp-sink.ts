import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerError, type SMTPServerSession } from 'smtp-server';

// An in-process SMTP relay for tests: accepts every message (or rejects chosen recipients at
// RCPT), keeps the raw bytes, and can be stopped and started again on the same port to play
// a relay outage. Plain SMTP only (no STARTTLS), any AUTH credentials accepted.

/** What the sink answers at RCPT TO. `attempt` counts RCPT commands for this address, from 1. */
export type SinkBehaviour = (
  rcpt: string,
  attempt: number,
) => 'accept' | { code: number; message: string };

export interface SinkMessage {
  /** The message exactly as received after DATA. */
  raw: Buffer;
  envelope: { mailFrom: string; rcptTo: string[] };
  /** AUTH user name, when the client authenticated. */
  authUser?: string;
  receivedAt: Date;
  /** Parses the raw source with mailparser (once, cached). */
  parse(): Promise<ParsedMail>;
}

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly running: boolean;
  /** Accepted messages, oldest first. A snapshot; kept across stop()/start(). */
  readonly messages: readonly SinkMessage[];
  /** How many RCPT TO commands the sink saw for this address (case-insensitive). */
  attempts(rcpt: string): number;
  /** Resolves once at least `count` messages were accepted since the last reset(). */
  waitFor(count: number, timeoutMs?: number): Promise<SinkMessage[]>;
  /** Forgets messages and attempt counts (the behaviour stays). */
  reset(): void;
  setBehaviour(behaviour?: SinkBehaviour): void;
  /** A slow relay: waits this long after each message's data before answering 250. */
  setDataDelay(ms: number): void;
  /** Relay down: closes the listener and drops open connections. */
  stop(): Promise<void>;
  /** Relay up again on the same port. */
  start(): Promise<void>;
}

export interface SmtpSinkOptions {
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  behaviour?: SinkBehaviour;
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const sink = new InProcessSmtpSink(options.port ?? 0, options.behaviour);
  await sink.start();
  return sink;
}

const acceptAll: SinkBehaviour = () => 'accept';

class InProcessSmtpSink implements SmtpSink {
  private server: SMTPServer | undefined;
  private boundPort: number;
  private behaviour: SinkBehaviour;
  private received: SinkMessage[] = [];
  private readonly rcptAttempts = new Map<string, number>();
  private waiters: Array<() => void> = [];
  private dataDelayMs = 0;

  constructor(port: number, behaviour: SinkBehaviour | undefined) {
    this.boundPort = port;
    this.behaviour = behaviour ?? acceptAll;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.boundPort}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  get messages(): readonly SinkMessage[] {
    return [...this.received];
  }

  attempts(rcpt: string): number {
    return this.rcptAttempts.get(rcpt.toLowerCase()) ?? 0;
  }

  reset(): void {
    this.received = [];
    this.rcptAttempts.clear();
  }

  setBehaviour(behaviour?: SinkBehaviour): void {
    this.behaviour = behaviour ?? acceptAll;
  }

  setDataDelay(ms: number): void {
    this.dataDelayMs = ms;
  }

  waitFor(count: number, timeoutMs = 5000): Promise<SinkMessage[]> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.received.length < count) return false;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve([...this.received]);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(
          new Error(
            `smtp sink: expected ${count} message(s) within ${timeoutMs} ms, got ${this.received.length}`,
          ),
        );
      }, timeoutMs);
      if (!check()) this.waiters.push(check);
    });
  }

  async start(): Promise<void> {
    if (this.server !== undefined) return;
    const server = new SMTPServer({
      secure: false,
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'anonymous' }),
      onRcptTo: (address, _session, callback) => {
        const key = address.address.toLowerCase();
        const attempt = (this.rcptAttempts.get(key) ?? 0) + 1;
        this.rcptAttempts.set(key, attempt);
        const verdict = this.behaviour(address.address, attempt);
        if (verdict === 'accept') return callback();
        const err: SMTPServerError = new Error(verdict.message);
        err.responseCode = verdict.code;
        return callback(err);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', (err: Error) => callback(err));
        stream.on('end', () => {
          const accept = () => {
            this.record(Buffer.concat(chunks), session);
            callback(null, 'OK: queued by smtp sink');
          };
          if (this.dataDelayMs > 0) setTimeout(accept, this.dataDelayMs);
          else accept();
        });
      },
    });
    // An unhandled 'error' event would crash the test process (e.g. a client resetting).
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.boundPort, '127.0.0.1', () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    const address = server.server.address();
    if (address !== null && typeof address === 'object') this.boundPort = address.port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A relay that goes down drops its sessions; don't wait for smtp-server's 30 s grace.
    for (const connection of server.connections) connection.close();
    await closed;
  }

  private record(raw: Buffer, session: SMTPServerSession): void {
    let parsed: Promise<ParsedMail> | undefined;
    const mailFrom = session.envelope.mailFrom;
    this.received.push({
      raw,
      envelope: {
        mailFrom: mailFrom === false ? '' : mailFrom.address,
        rcptTo: session.envelope.rcptTo.map((r) => r.address),
      },
      authUser: typeof session.user === 'string' ? session.user : undefined,
      receivedAt: new Date(),
      parse: () => (parsed ??= simpleParser(raw)),
    });
    for (const waiter of [...this.waiters]) waiter();
  }
}
