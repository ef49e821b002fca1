import { describe, expect, it } from 'vitest';
import { oneLine, shorten } from '#functions/slice-completion/short-text.ts';

describe('oneLine', () => {
  it('folds every run of white space into one space, and trims the ends', () => {
    expect(oneLine('  HTTP 503:\n\t{"errorMessage":\r\n "x"}  ')).toBe(
      'HTTP 503: {"errorMessage": "x"}',
    );
    expect(oneLine(' \n ')).toBe('');
  });
});

describe('shorten', () => {
  it('keeps a text of at most maxChars characters whole', () => {
    expect(shorten('abcde', 5)).toBe('abcde');
    expect(shorten('', 5)).toBe('');
  });

  it('cuts a longer one to maxChars, the last three `...`', () => {
    expect(shorten('abcdef', 5)).toBe('ab...');
    expect(shorten('x'.repeat(1000), 300)).toBe(`${'x'.repeat(297)}...`);
  });

  it('counts characters, not UTF-16 units, and never splits a surrogate pair', () => {
    expect(shorten('😀😀😀😀😀', 5)).toBe('😀😀😀😀😀');
    expect(shorten('😀😀😀😀😀😀', 5)).toBe('😀😀...');
  });
});
