import type { Provider } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { createMailer, type Mailer } from './mailer.js';

export const MAILER = Symbol('MAILER');

export const mailerProvider: Provider = {
  provide: MAILER,
  inject: [AppConfig],
  useFactory: (config: AppConfig): Mailer =>
    createMailer({
      smtpUrl: config.get('SMTP_URL'),
      outboxDir: config.get('OUTBOX_DIR'),
      poolSize: config.get('SMTP_POOL_SIZE'),
      timeoutMs: config.get('SMTP_TIMEOUT_MS'),
      dkim: config.dkim,
    }),
};
