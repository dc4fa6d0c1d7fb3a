// jest's globalSetup is loaded outside its module system, so moduleNameMapper does not apply:
// map the ESM-style "./x.js" specifiers of our sources to the TypeScript files.
const Module = require('node:module');

const original = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  try {
    return original.call(this, request, ...rest);
  } catch (err) {
    if (request.startsWith('.') && request.endsWith('.js'))
      return original.call(this, request.slice(0, -3), ...rest);
    throw err;
  }
};
