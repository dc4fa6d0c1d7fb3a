/**
 * The reader a higher feature registered on a facts port. Its absence is a fault of the wiring,
 * not of the request: the owning module was not loaded.
 */
export function requiredReader<T>(reader: T | undefined, what: string): T {
  if (reader === undefined) throw new Error(`no feature reports ${what} (module not loaded)`);
  return reader;
}
