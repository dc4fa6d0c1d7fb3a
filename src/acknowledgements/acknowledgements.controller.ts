import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentPrincipal, type Principal, Roles } from '../common/auth/principal.js';
import { forbidden } from '../common/errors.js';
import { ApiAuth, ApiProblem, ApiZodBody, ApiZodParam, ApiZodResponse } from '../common/openapi.js';
import { parseUuid, ZodPipe } from '../common/validation.js';
import { AcknowledgementsService, AcknowledgementView } from './acknowledgements.service.js';
import { acknowledgeBodySchema, acknowledgementSchema } from './dto/acknowledgement.dto.js';

@ApiTags('acknowledgements')
@Controller('v1/notices')
export class AcknowledgementsController {
  constructor(private readonly acknowledgements: AcknowledgementsService) {}

  @Post(':id/acknowledge')
  @HttpCode(200)
  @Roles('tenant')
  @ApiAuth(['tenant'])
  @ApiOperation({
    summary:
      'A tenant acknowledges a notice it was sent (its own tenant key); again: the first acknowledgement, unchanged',
  })
  @ApiZodParam('id', z.uuid(), 'The notice id')
  @ApiZodBody(acknowledgeBodySchema, { required: false })
  @ApiZodResponse(200, acknowledgementSchema, { description: 'The (first) acknowledgement' })
  @ApiProblem(403, "Not a tenant key, or the tenantId is not the key's tenant")
  @ApiProblem(404, 'No such notice, or it was never sent to this tenant')
  acknowledge(
    @Param('id') id: string,
    @Body(new ZodPipe(acknowledgeBodySchema)) body: { tenantId?: string } | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AcknowledgementView> {
    const noticeId = parseUuid(id);
    // Only the tenant itself acknowledges (admin holds every role, but is not the tenant).
    if (!principal.roles.includes('tenant') || principal.tenantId === null)
      throw forbidden('only a tenant key acknowledges notices, for its own tenant');
    const tenantId = body?.tenantId ?? principal.tenantId;
    if (tenantId !== principal.tenantId)
      throw forbidden('a tenant key acknowledges only for its own tenant');
    return this.acknowledgements.acknowledge(noticeId, tenantId, {
      actor: principal.name,
      displayName: principal.name,
    });
  }
}
