// `npm run schema`: writes the JSON Schema files of the completion event, generated from the zod
// schemas the function parses with (tools/completion-schema.ts), formatted as Biome formats them;
// a test fails until they are written again after those schemas change. Says which files changed.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { root } from '../infra/paths.ts';
import { exitCannotRun, readCommandLine, type Tool } from './cli.ts';
import {
  completionEventSchema,
  executionSliceCompletedSchema,
  SCHEMA_FILES,
} from './completion-schema.ts';

const SCHEMA = {
  command: 'npm run schema',
  usage: [''],
  about:
    'Writes the JSON Schema files of the completion event, generated from the zod schemas the\n' +
    'function parses with, into schema/; says for each file whether it changed.',
  options: {},
  exitCodes: {
    0: 'each file is what the zod schemas generate: written, or already so',
    2: 'nothing written: a mistake on the command line, or Biome could not format',
  },
} satisfies Tool;

async function main(): Promise<void> {
  readCommandLine(SCHEMA);
  const files = [
    [SCHEMA_FILES.completionEvent, completionEventSchema()],
    [SCHEMA_FILES.executionSliceCompleted, executionSliceCompletedSchema()],
  ] as const;
  for (const [file, schema] of files) {
    const text = formatted(file, `${JSON.stringify(schema, null, 2)}\n`);
    const path = `${root}${file}`;
    if ((await readFile(path, 'utf8').catch(() => undefined)) === text) {
      console.log(`unchanged ${file}`);
      continue;
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    console.log(`wrote     ${file}`);
  }
}

/** The text as `npm run format` would leave the file, so a run that changes nothing writes nothing. */
function formatted(file: string, text: string): string {
  const biome = `${root}node_modules/@biomejs/biome/bin/biome`;
  return execFileSync(process.execPath, [biome, 'format', `--stdin-file-path=${file}`], {
    cwd: root,
    input: text,
    encoding: 'utf8',
  });
}

await main().catch((error) => exitCannotRun(SCHEMA, error));
