import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Public } from '../common/auth/principal.js';
import { CONSOLE_TEMPLATES } from './console-views.service.js';

const require = createRequire(import.meta.url);

// Served by Herald itself (no CDN): the CSP allows scripts and styles from 'self' only.
const ASSETS: Record<string, { type: string; body: Buffer }> = {
  'htmx.min.js': {
    type: 'text/javascript; charset=utf-8',
    body: readFileSync(resolve(require.resolve('htmx.org'), '../htmx.min.js')),
  },
  'console.css': {
    type: 'text/css; charset=utf-8',
    body: readFileSync(resolve(CONSOLE_TEMPLATES, 'static/console.css')),
  },
};

@ApiExcludeController()
@Public()
@Controller('console/assets')
export class ConsoleAssetsController {
  @Get(':name')
  asset(@Param('name') name: string, @Res() res: Response): void {
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) throw new NotFoundException(`No console asset ${name}`);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type(asset.type).send(asset.body);
  }
}
