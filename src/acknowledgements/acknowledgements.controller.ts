import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentPrincipal, hasRole, type Principal, Roles } from '../common/auth/principal.js';
import { forbidden, invalid } from '../common/errors.js';
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
  @ApiProblem(400, 'tenantId missing for a key not bound to a tenant, or an unknown field')
  @ApiProblem(403, 'A tenant key naming another tenant, or a role that may not acknowledge')
  @ApiProblem(404, 'No such notice, or it was never sent to this tenant')
  acknowledge(
    @Param('id') id: string,
    @Body(new ZodPipe(acknowledgeBodySchema)) body: { tenantId?: string } | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AcknowledgementView> {
    const noticeId = parseUuid(id);
    const tenantId = body?.tenantId ?? principal.tenantId;
    // admin may do everything (API.md), naming the tenant; a tenant key only for its own tenant.
    if (!hasRole(principal) && tenantId !== principal.tenantId)
      throw forbidden('a tenant key acknowledges only for its own tenant');
    if (!tenantId)
      throw invalid([{ path: 'tenantId', message: 'is required for a key not bound to a tenant' }]);
    return this.acknowledgements.acknowledge(noticeId, tenantId, {
      actor: principal.name,
      displayName: principal.name,
    });
  }
}
