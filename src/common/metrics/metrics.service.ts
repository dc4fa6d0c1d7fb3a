import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const PREFIX = 'herald_';
const REDUNDANT_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

const SAMPLE_REUSE_MS = 1000;
const PROBE_TIMEOUT_MS = 2000;

/** One queue as the queue gauges report it. */
export interface QueueSample {
  queue: string;
  counts: Record<string, number>;
  oldestReadyAgeSeconds: number;
}

/** The Prometheus registry and every Herald metric, declared in one place. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'herald_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'herald_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly deliveries = new Counter({
    name: 'herald_deliveries_total',
    help: 'Delivery attempts by channel and outcome (sent, retry, failed), and emails bounced after they were sent (bounced)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly sendDuration = new Histogram({
    name: 'herald_delivery_send_duration_seconds',
    help: 'Time to hand one message to the relay or the feed',
    labelNames: ['channel'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });

  readonly tenantsResolved = new Counter({
    name: 'herald_incident_tenants_resolved_total',
    help: 'Affected tenants resolved',
    registers: [this.registry],
  });

  readonly undeliverableTenants = new Gauge({
    name: 'herald_undeliverable_tenants',
    help: 'Tenants of open incidents whose every email contact failed',
    registers: [this.registry],
  });

  readonly tenantsNearDeadline = new Gauge({
    name: 'herald_tenants_notice_due_soon',
    help: 'Affected tenants not yet notified whose notice deadline is near',
    registers: [this.registry],
  });

  readonly tenantsPastDeadline = new Gauge({
    name: 'herald_tenants_notice_overdue',
    help: 'Affected tenants not yet notified whose notice deadline has passed',
    registers: [this.registry],
  });

  readonly queueJobs = new Gauge({
    name: 'herald_queue_jobs',
    help: 'BullMQ jobs by queue and state (waiting, prioritized, active, delayed, failed)',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
    collect: async () => {
      this.queueJobs.reset();
      for (const s of await this.sampleQueues())
        for (const [state, n] of Object.entries(s.counts))
          this.queueJobs.set({ queue: s.queue, state }, n);
    },
  });

  readonly queueOldestReady = new Gauge({
    name: 'herald_queue_oldest_ready_job_age_seconds',
    help: 'Age of the oldest job ready to run but not yet taken by a worker, by queue (0: none)',
    labelNames: ['queue'] as const,
    registers: [this.registry],
    collect: async () => {
      this.queueOldestReady.reset();
      for (const s of await this.sampleQueues())
        this.queueOldestReady.set({ queue: s.queue }, s.oldestReadyAgeSeconds);
    },
  });

  private queueProbe?: () => Promise<QueueSample[]>;
  private lastSample?: { at: number; value: Promise<QueueSample[]> };

  /** Where the queue gauges read from (QueueMetrics, once the queues exist). */
  observeQueues(probe: () => Promise<QueueSample[]>): void {
    this.queueProbe = probe;
  }

  // Both queue gauges are collected in one scrape, concurrently: they share one sample. A Redis
  // that does not answer in time leaves the queue series out rather than hanging the scrape.
  private sampleQueues(): Promise<QueueSample[]> {
    const probe = this.queueProbe;
    if (!probe) return Promise.resolve([]);
    const now = performance.now();
    if (!this.lastSample || now - this.lastSample.at > SAMPLE_REUSE_MS) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<QueueSample[]>((resolve) => {
        timer = setTimeout(() => resolve([]), PROBE_TIMEOUT_MS);
      });
      const value = Promise.race([probe().catch(() => []), timeout]).finally(() =>
        clearTimeout(timer),
      );
      this.lastSample = { at: now, value };
    }
    return this.lastSample.value;
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    // prom-client also counts these as gauges named *_total, a suffix Prometheus reserves for
    // counters (promtool check metrics rejects them). The same numbers remain, per type, in
    // herald_nodejs_active_{handles,requests,resources}: sum() over type gives the totals.
    for (const name of REDUNDANT_DEFAULT_GAUGES) this.registry.removeSingleMetric(PREFIX + name);
  }
}
