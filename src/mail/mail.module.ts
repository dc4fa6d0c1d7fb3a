import { Module } from '@nestjs/common';
import { mailerProvider, MAILER } from './mailer.provider.js';

/**
 * Outbound mail: one SMTP pool (or the outbox directory) per process, shared by every feature
 * that sends mail (deliveries, deadline-watch escalations). A floor below the features, so
 * none of them reaches into another to send.
 */
@Module({
  providers: [mailerProvider],
  exports: [MAILER],
})
export class MailModule {}
