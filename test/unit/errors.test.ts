import { describe, expect, it } from 'vitest';
import { errorName, SliceNotFound } from '#functions/slice-completion/errors.ts';

describe('errorName, the ErrorName dimension of SliceCompletionFailed', () => {
  it.each([
    [new SliceNotFound('slice x was not found'), 'SliceNotFound'],
    [new TypeError('x is undefined'), 'TypeError'],
    [new Error('plain'), 'Error'],
    [Object.assign(new Error('nameless'), { name: '' }), 'Error'],
    ['a thrown string', 'Error'],
    [{ name: 'NotAnError' }, 'Error'],
    [undefined, 'Error'],
  ])('of %o is %s', (error, name) => {
    expect(errorName(error)).toBe(name);
  });
});
