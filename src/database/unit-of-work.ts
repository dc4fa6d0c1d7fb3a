import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

// deadlock_detected and serialization_failure: Postgres rolled the whole transaction back, so
// running it again is safe and is what Postgres asks of its clients.
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;

function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * An explicit transaction: the EntityManager is passed down to every repository call inside it.
 * A transaction Postgres aborts as a deadlock victim (or for serialization) is run again, up to
 * three times in all, so `work` must not have effects outside the database.
 */
@Injectable()
export class UnitOfWork {
  private readonly logger = new Logger(UnitOfWork.name);

  constructor(private readonly dataSource: DataSource) {}

  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(work);
      } catch (err) {
        const code = sqlState(err);
        if (attempt >= MAX_ATTEMPTS || code === undefined || !RETRYABLE.has(code)) throw err;
        this.logger.warn({
          msg: 'transaction aborted by Postgres; running it again',
          code,
          attempt,
        });
        await new Promise((r) => setTimeout(r, 10 + Math.random() * 40 * attempt));
      }
    }
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }
}
