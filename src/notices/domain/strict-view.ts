// Handlebars' strict mode only guards plain `{{a.b}}` lookups; a misspelt path given to a
// helper (`{{#if dataImpact.nome}}`, `{{#each items}}`, a partial's hash) reads as
// undefined. The boot-time trial render wraps the view in this proxy so that any read of
// a field the view does not have fails the check, naming the path.

// Names the Handlebars runtime (or string conversion in its error messages) may probe.
const PROBED = new Set(['toString', 'valueOf', 'toJSON', 'then', 'constructor', '__proto__']);

export function strictView<T extends object>(value: T, path = 'view'): T {
  return new Proxy(value, {
    get(target, property, receiver) {
      if (typeof property === 'symbol' || PROBED.has(property))
        return Reflect.get(target, property, receiver);
      if (!Object.prototype.hasOwnProperty.call(target, property)) {
        throw new Error(`template reads "${path}.${property}", which the view does not have`);
      }
      const result: unknown = Reflect.get(target, property, receiver);
      return result !== null && typeof result === 'object'
        ? strictView(result, `${path}.${property}`)
        : result;
    },
  });
}
