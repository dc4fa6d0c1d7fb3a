import { Injectable, PipeTransform } from '@nestjs/common';
import { Clock } from '../../common/clock/clock.js';
import { DomainError, type FieldError } from '../../common/errors.js';
import { invalidFields, ZodPipe } from '../../common/validation.js';
import { createIncidentSchema, CreateIncidentDto, MAX_CLOCK_SKEW_MS } from './incident.dto.js';

const TIMES = ['awareAt', 'occurredAt'] as const;

/**
 * The incident body as the schema checks it, plus what the schema cannot know: awareAt and
 * occurredAt must not be in the future on the app's clock (some skew between systems allowed).
 * A future time is reported beside every other bad field, in one 400.
 */
@Injectable()
export class IncidentBodyPipe implements PipeTransform<unknown, CreateIncidentDto> {
  private readonly schema = new ZodPipe(createIncidentSchema);

  constructor(private readonly clock: Clock) {}

  transform(value: unknown): CreateIncidentDto {
    const future = this.futureTimes(value);
    let body: CreateIncidentDto;
    try {
      body = this.schema.transform(value);
    } catch (err) {
      if (!(err instanceof DomainError) || !err.errors || future.length === 0) throw err;
      const named = new Set(err.errors.map((e) => e.path));
      throw invalidFields([...err.errors, ...future.filter((e) => !named.has(e.path))]);
    }
    if (future.length) throw invalidFields(future);
    return body;
  }

  private futureTimes(value: unknown): FieldError[] {
    if (value === null || typeof value !== 'object') return [];
    const latest = this.clock.nowMs() + MAX_CLOCK_SKEW_MS;
    return TIMES.filter((field) => {
      const v = (value as Record<string, unknown>)[field];
      return typeof v === 'string' && Date.parse(v) > latest;
    }).map((path) => ({ path, message: 'must not be in the future' }));
  }
}
