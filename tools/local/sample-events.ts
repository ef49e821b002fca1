// Sample events: files named <n>-<what>.<expected outcome or error name>.json, so that the name
// says what the function should do with the event (`npm start` checks it; tests pick by it). A
// batch from the SQS buffer says it for each of its records in turn, joined by `+`:
// 10-sqs-batch.updated+InvalidCompletionEvent+KodexaUnavailable.json.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSqsEvent } from '../../functions/slice-completion/sqs-event.ts';
import { root } from '../../infra/paths.ts';
import { CannotRun } from '../cli.ts';

const NAMING_RULE = '<n>-<what>.<expected outcome or error name, one per record joined by +>.json';
const NAMED = /^\d+-[^.]+\.(\w+(?:\+\w+)*)\.json$/;

export interface SampleEvent {
  file: string;
  /**
   * An outcome (`updated`, `unchanged`, `stale`) or the name of the error it is rejected with; for
   * a batch, one for each record, joined by `+`.
   */
  expected: string;
  event: unknown;
}

/** Why a file cannot be run as a sample event. */
export interface UnusableFile {
  file: string;
  problem: string;
}

/** What a file's name says its event should do, or undefined if it is not named by the rule. */
export function expectedOutcome(file: string): string | undefined {
  return NAMED.exec(file)?.[1];
}

/**
 * Each .json file of dir in name order: its event and what its name says, or why it cannot be run.
 * Throws only if dir itself cannot be read.
 */
export function readSampleEvents(dir: string): (SampleEvent | UnusableFile)[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    throw new CannotRun(`cannot read the events directory ${dir}: ${code}`);
  }
  return files
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => readSampleEvent(dir, file));
}

function readSampleEvent(dir: string, file: string): SampleEvent | UnusableFile {
  const expected = expectedOutcome(file);
  if (!expected) {
    return { file, problem: `not named ${NAMING_RULE}, e.g. 1-direct-success.updated.json` };
  }
  let text: string;
  try {
    text = readFileSync(join(dir, file), 'utf8');
  } catch (error) {
    return { file, problem: `cannot read it: ${(error as NodeJS.ErrnoException).code}` };
  }
  try {
    return { file, expected, event: JSON.parse(text) };
  } catch (error) {
    return { file, problem: `not valid JSON: ${(error as Error).message}` };
  }
}

/** The samples in events/ that are one completion each (not batches from the buffer). */
export function sampleEvents(): SampleEvent[] {
  return samples().filter((sample) => !isSqsEvent(sample.event));
}

/** The samples in events/ that are batches from the SQS buffer. */
export function sampleBatches(): SampleEvent[] {
  return samples().filter((sample) => isSqsEvent(sample.event));
}

/** Every sample in events/; a file there that cannot be run is a mistake in the project. */
function samples(): SampleEvent[] {
  return readSampleEvents(`${root}events`).map((sample) => {
    if ('problem' in sample) throw new Error(`events/${sample.file}: ${sample.problem}`);
    return sample;
  });
}
