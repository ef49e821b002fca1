import * as errors from '#functions/slice-completion/errors.ts';

/** The names of the error classes errors.ts exports (not its errorName). */
export const errorClassNames = Object.entries(errors)
  .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
  .map(([name]) => name)
  .sort();
