import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../common/auth/principal.js';
import { browserAsset } from '../common/web/assets.js';

/** The console's stylesheet and htmx, under the portal's own path. */
@ApiExcludeController()
@Public()
@Controller('portal/assets')
export class PortalAssetsController {
  @Get(':name')
  asset(@Param('name') name: string, @Res() res: Response): void {
    const asset = browserAsset(name);
    if (!asset) throw new NotFoundException(`No portal asset ${name}`);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type(asset.type).send(asset.body);
  }
}
