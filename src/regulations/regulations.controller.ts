import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/principal.js';
import { ApiAuth, ApiZodResponse } from '../common/openapi.js';
import { regulationsSchema } from './dto/regulation-response.dto.js';
import type { Rule } from './domain/rule-set.js';
import { RegulationsService } from './regulations.service.js';

@ApiTags('regulations')
@Controller('v1/regulations')
export class RegulationsController {
  constructor(private readonly regulations: RegulationsService) {}

  @Get()
  @Roles('reporter', 'comms', 'auditor', 'tenant')
  @ApiAuth(['reporter', 'comms', 'auditor', 'tenant'])
  @ApiOperation({ summary: 'The loaded rules and their version' })
  @ApiZodResponse(200, regulationsSchema, { description: 'Every rule, on one page' })
  list(): {
    version: string;
    items: Rule[];
    regionGroups: Record<string, string[]>;
    nextCursor: null;
  } {
    const { version, rules, regionGroups } = this.regulations.ruleSet;
    return { version, items: rules, regionGroups, nextCursor: null };
  }
}
