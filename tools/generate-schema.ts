// `npm run schema`: writes the JSON Schema files of the completion event, generated from the zod
// schemas the function parses with (tools/completion-schema.ts); a test fails until they are
// written again after those schemas change.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { root } from '../infra/build.ts';
import {
  completionEventSchema,
  executionSliceCompletedSchema,
  SCHEMA_FILES,
} from './completion-schema.ts';

const files = [
  [SCHEMA_FILES.completionEvent, completionEventSchema()],
  [SCHEMA_FILES.executionSliceCompleted, executionSliceCompletedSchema()],
] as const;

for (const [file, schema] of files) {
  await mkdir(dirname(`${root}${file}`), { recursive: true });
  await writeFile(`${root}${file}`, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
