import { Global, Module } from '@nestjs/common';
import { IncidentFacts } from './incident-facts.js';

@Global()
@Module({ providers: [IncidentFacts], exports: [IncidentFacts] })
export class IncidentFactsModule {}
