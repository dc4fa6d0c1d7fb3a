import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { Clock } from '../common/clock/clock.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { DeliveryRepository } from './delivery.repository.js';

/** Per incident still delivering: tenants not yet reached whose notice deadline is within the hour, read at each scrape. */
@Injectable()
export class DeliveryMetrics {
  readonly dueWithinHour: Gauge<'incident_id'>;

  constructor(repository: DeliveryRepository, metrics: MetricsService, clock: Clock) {
    this.dueWithinHour = new Gauge({
      name: 'herald_incident_unsent_tenants_due_within_hour',
      help: 'Affected tenants of an incident still delivering that no delivery has reached yet, with a notice deadline at most an hour away (overdue included)',
      labelNames: ['incident_id'] as const,
      registers: [metrics.registry],
      async collect() {
        const rows = await repository.backlog(clock.now());
        this.reset();
        for (const r of rows) this.set({ incident_id: r.incidentId }, r.unsentTenantsDueWithinHour);
      },
    });
  }
}
