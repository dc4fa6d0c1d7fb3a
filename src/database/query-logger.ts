import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, 1000);

/**
 * TypeORM's own loggers print a failed query with its parameters to the console, and the
 * parameters hold tenant contacts and rendered notice bodies. This one logs the error and the
 * SQL text (placeholders only), structured, through Nest's logger; never the parameters.
 */
export class QueryLogger implements TypeOrmLogger {
  private readonly logger = new Logger('TypeORM');

  logQuery(): void {
    // Every query would be noise (and its parameters are exactly what must not be logged).
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.error({
      msg: 'query failed',
      error: typeof error === 'string' ? error : error.message,
      query: oneLine(query),
    });
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ msg: 'slow query', ms: time, query: oneLine(query) });
  }

  logSchemaBuild(): void {
    // synchronize is off everywhere: there is no schema build to report.
  }

  logMigration(message: string): void {
    this.logger.log({ msg: message });
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn({ msg: String(message) });
  }
}
