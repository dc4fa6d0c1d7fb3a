import { Module } from '@nestjs/common';
import { GROUP_MAILER, groupMailerProvider } from './group-mailer.provider.js';
import { mailerProvider, MAILER } from './mailer.provider.js';

/**
 * Outbound mail: one SMTP pool (or the outbox directory) per process, shared by every feature
 * that sends mail (deliveries, deadline-watch escalations). A floor below the features, so
 * none of them reaches into another to send. Deliveries send through GROUP_MAILER (one
 * message per tenant and locale, pipelined), the rest through MAILER.
 */
@Module({
  providers: [mailerProvider, groupMailerProvider],
  exports: [MAILER, GROUP_MAILER],
})
export class MailModule {}
