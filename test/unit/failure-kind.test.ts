import { describe, expect, it } from 'vitest';
import * as errors from '#functions/slice-completion/errors.ts';
import { isPermanent } from '#functions/slice-completion/failure-kind.ts';

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
    [new TypeError('a bug'), false],
    ['a string', false],
    [undefined, false],
  ])('%o: %s', (error, expected) => {
    expect(isPermanent(error)).toBe(expected);
  });

  it('names every error class the function throws', () => {
    // A new error class must be placed on one side or the other on purpose.
    expect(Object.keys(errors).sort()).toEqual([
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
