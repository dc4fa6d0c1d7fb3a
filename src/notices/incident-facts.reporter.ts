import { Injectable, OnModuleInit } from '@nestjs/common';
import { IncidentFacts } from '../common/facts/incident-facts.js';
import { NoticesRepository } from './notices.repository.js';

/** Tells incidents/ which incidents have their initial notice drafted (its stall recovery asks). */
@Injectable()
export class NoticeFactsReporter implements OnModuleInit {
  constructor(
    private readonly facts: IncidentFacts,
    private readonly repository: NoticesRepository,
  ) {}

  onModuleInit(): void {
    this.facts.reportInitialNotices((ids) => this.repository.incidentsWithInitialNotice(ids));
  }
}
