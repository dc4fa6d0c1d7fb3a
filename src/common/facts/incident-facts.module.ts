import { Global, Module } from '@nestjs/common';
import { ContactFacts } from './contact-facts.js';
import { IncidentFacts } from './incident-facts.js';

/** The ports through which higher features report facts down to lower ones (see each). */
@Global()
@Module({ providers: [IncidentFacts, ContactFacts], exports: [IncidentFacts, ContactFacts] })
export class IncidentFactsModule {}
