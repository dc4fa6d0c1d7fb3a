// jest's globalSetup is loaded outside its module system, so moduleNameMapper does not apply:
// map the ESM-style "./x.js" specifiers of our sources to the TypeScript files.
import Module from 'node:module';

type Resolve = (request: string, ...rest: unknown[]) => string;
const mod = Module as unknown as { _resolveFilename: Resolve };
const original = mod._resolveFilename;
mod._resolveFilename = function (request: string, ...rest: unknown[]): string {
  try {
    return original.call(this, request, ...rest);
  } catch (err) {
    if (request.startsWith('.') && request.endsWith('.js')) return original.call(this, request.slice(0, -3), ...rest);
    throw err;
  }
};
