import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { AppConfig } from '../../config/app-config.js';
import type { VerpMessage } from '../domain/verp-token.js';
import { BounceService } from './bounce.service.js';
import { readDsn } from './dsn-reader.js';

interface BounceSession extends SMTPServerSession {
  messages?: VerpMessage[];
}

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * The inbound SMTP listener for bounces (BOUNCE_SMTP_PORT on BOUNCE_SMTP_HOST): accepts mail only
 * for `bounce+<valid token>@BOUNCE_DOMAIN` (550 at RCPT otherwise), at most BOUNCE_MAX_BYTES, and
 * answers after the bounce was applied: 250 when it was (or changed nothing on purpose), 550 when
 * it is refused, 451 when Postgres failed (the sending MTA tries again).
 * Runs where workers run, in the parent process only (forked senders would fight for the port).
 */
@Injectable()
export class BounceListener implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BounceListener.name);
  private server: SMTPServer | null = null;

  constructor(
    private readonly bounces: BounceService,
    private readonly config: AppConfig,
  ) {}

  /** The bound port (useful with BOUNCE_SMTP_PORT=0), or null without a listener. */
  get port(): number | null {
    const address = this.server?.server.address() as AddressInfo | null | undefined;
    return address?.port ?? null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.get('BOUNCE_SMTP_PORT');
    if (port === undefined || !this.config.runsWorkers || this.config.get('HERALD_FORKED_BY'))
      return;
    const maxBytes = this.config.get('BOUNCE_MAX_BYTES');
    const server = new SMTPServer({
      name: this.config.bounceDomain,
      banner: 'Herald bounce listener',
      size: maxBytes,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      hideSize: false,
      maxClients: 50,
      socketTimeout: 60_000,
      logger: false,
      onRcptTo: (address, session: BounceSession, callback) => {
        const message = this.bounces.messageOf(address.address);
        if (!message) return callback(smtpError(550, '5.1.1 no such bounce address'));
        (session.messages ??= []).push(message);
        callback();
      },
      onData: (stream, session: BounceSession, callback) => {
        this.receive(stream, session.messages ?? [], maxBytes).then(
          () => callback(),
          (err: Error) => callback(err),
        );
      },
    });
    server.on('error', (err) =>
      this.logger.warn({ msg: 'bounce listener error', error: err.message }),
    );
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, this.config.get('BOUNCE_SMTP_HOST'), () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log({ msg: 'bounce listener started', port: this.port });
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async receive(
    stream: Readable,
    messages: VerpMessage[],
    maxBytes: number,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size <= maxBytes) chunks.push(chunk as Buffer);
    }
    if ((stream as Readable & { sizeExceeded?: boolean }).sizeExceeded || size > maxBytes) {
      throw smtpError(552, `5.3.4 message larger than ${maxBytes} bytes`);
    }
    const report = await readDsn(Buffer.concat(chunks));
    let outcome;
    try {
      outcome = await this.bounces.apply(messages, report);
    } catch (err) {
      this.logger.error({ msg: 'applying a bounce failed', error: (err as Error).message });
      throw smtpError(451, '4.3.0 temporary failure, try again later');
    }
    if (outcome.kind === 'refused') {
      this.logger.warn({ msg: 'bounce refused', reason: outcome.reason });
      throw smtpError(550, `5.7.1 bounce refused: ${outcome.reason}`);
    }
  }
}
