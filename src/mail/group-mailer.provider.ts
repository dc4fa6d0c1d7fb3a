import type { Provider } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { createGroupMailer, type GroupMailer } from './group-mailer.js';
import type { Mailer } from './mailer.js';
import { MAILER } from './mailer.provider.js';

export const GROUP_MAILER = Symbol('GROUP_MAILER');

export const groupMailerProvider: Provider = {
  provide: GROUP_MAILER,
  inject: [AppConfig, MAILER],
  useFactory: (config: AppConfig, mailer: Mailer): GroupMailer =>
    createGroupMailer(
      {
        smtpUrl: config.get('SMTP_URL'),
        poolSize: config.get('SMTP_POOL_SIZE'),
        timeoutMs: config.get('SMTP_TIMEOUT_MS'),
        dkim: config.dkim,
      },
      mailer,
    ),
};
