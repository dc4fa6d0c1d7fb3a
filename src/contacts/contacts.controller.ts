import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '../common/auth/principal.js';
import { Clock } from '../common/clock/clock.js';
import { ApiAuth, ApiZodQuery, ApiZodResponse } from '../common/openapi.js';
import { decodeCursor, encodeCursor, limitSchema, parseQuery } from '../common/pagination.js';
import { ContactsService, ContactsReportItem } from './contacts.service.js';
import { contactsReportSchema } from './dto/contacts-report.dto.js';

const reportQuery = z.strictObject({ limit: limitSchema, cursor: z.string().optional() });

@ApiTags('contacts')
@Controller('v1/contacts')
export class ContactsController {
  constructor(
    private readonly contacts: ContactsService,
    private readonly clock: Clock,
  ) {}

  @Get('report')
  @Roles('admin')
  @ApiAuth(['admin'])
  @ApiOperation({
    summary:
      'For operators: tenants with no verified notice contact, or a notice contact whose latest email bounced',
  })
  @ApiZodQuery(reportQuery)
  @ApiZodResponse(200, contactsReportSchema, { description: 'A page of tenants, by tenant id' })
  async report(@Query() raw: unknown): Promise<{
    generatedAt: string;
    items: ContactsReportItem[];
    nextCursor: string | null;
  }> {
    const q = parseQuery(reportQuery, raw);
    const after = decodeCursor(q.cursor, z.object({ t: z.string() }));
    const generatedAt = this.clock.now().toISOString();
    const { items, last } = await this.contacts.needingAttention(after?.t ?? '', q.limit);
    return { generatedAt, items, nextCursor: last === null ? null : encodeCursor({ t: last }) };
  }
}
