// The deployed artifact itself: what esbuild wrote to dist/slice-completion/.
import { readFile } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundlePath } from '../../infra/paths.ts';

let code: string;
let map: SourceMap;

beforeAll(async () => {
  code = await readFile(bundlePath, 'utf8');
  map = new SourceMap(JSON.parse(await readFile(`${bundlePath}.map`, 'utf8')));
});

function originalSourceOf(text: string): string | undefined {
  const offset = code.indexOf(text);
  expect(offset).toBeGreaterThan(-1);
  const lines = code.slice(0, offset).split('\n');
  const entry = map.findEntry(lines.length - 1, lines.at(-1)?.length ?? 0);
  return 'originalSource' in entry ? entry.originalSource : undefined;
}

describe('the bundle', () => {
  it('is one ESM file exporting handler, with its source map', () => {
    expect(code).toMatch(/export\s*\{[^}]*as handler\s*\}/);
    expect(code).toContain('//# sourceMappingURL=index.mjs.map');
  });

  it('maps its own code back to our sources and nothing of the dependencies', () => {
    expect(map.payload.sources.filter((s: string) => !s.startsWith('../../functions/'))).toEqual(
      [],
    );
    expect(originalSourceOf('must be absent when status is SUCCEEDED')).toMatch(
      /functions\/slice-completion\/parse-event\.ts$/,
    );
    expect(originalSourceOf('AWS_ENDPOINT_URL')).toBeUndefined();
  });
});
