// The sample events in events/, each named <n>-<what>.<expected outcome or error name>.json.
import { readdirSync, readFileSync } from 'node:fs';
import { root } from '../../infra/build.ts';

export interface SampleEvent {
  file: string;
  expected: string;
  event: unknown;
}

export function sampleEvents(): SampleEvent[] {
  const dir = `${root}events`;
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      expected: file.split('.').at(-2) ?? '',
      event: JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')),
    }));
}
