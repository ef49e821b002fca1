import { describe, expect, it } from 'vitest';
import * as errors from '#functions/slice-completion/errors.ts';
import { isPermanent } from '#functions/slice-completion/failure-kind.ts';
import { errorClassNames } from '../support/error-classes.ts';

describe('isPermanent', () => {
  it.each([
    [new errors.InvalidCompletionEvent(['sliceId: is required']), true],
    [new errors.SliceNotFound('slice s was not found'), true],
    [new errors.KodexaRequestRejected('Kodexa answered 400'), true],
    [new errors.KodexaUnavailable('HTTP 503'), false],
    [new errors.SliceUpdateConflict('409 six times'), false],
    [new errors.KodexaAuthError('401 after re-reading the secret'), false],
    [new errors.ApiKeyUnavailable('secret is empty'), false],
    [new errors.ConfigurationError('KODEXA_URL is required'), false],
    // by name, as the bundle's classes keep it: not by class, which a second copy of errors.ts
    // (the sources beside the bundle, say) would not share
    [Object.assign(new Error('slice s was not found'), { name: 'SliceNotFound' }), true],
    [Object.defineProperty(new errors.KodexaRequestRejected('400'), 'name', { value: 'X' }), false],
    [new TypeError('a bug'), false],
    ['a string', false],
    [undefined, false],
  ])('%o: %s', (error, expected) => {
    expect(isPermanent(error)).toBe(expected);
  });

  it('names every error class the function throws', () => {
    // A new error class must be placed on one side or the other on purpose.
    expect(errorClassNames).toEqual([
      'ApiKeyUnavailable',
      'ConfigurationError',
      'InvalidCompletionEvent',
      'KodexaAuthError',
      'KodexaRequestRejected',
      'KodexaUnavailable',
      'SliceNotFound',
      'SliceUpdateConflict',
    ]);
  });
});
