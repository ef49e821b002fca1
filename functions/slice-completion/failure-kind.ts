// Whether a completion from the buffer can succeed on a later delivery. Only errors about the one
// completion are permanent: its event, its slice, or what Kodexa refused of it. Everything else,
// named or not, is taken as transient, as a fix or time cures it (Kodexa down or rate-limiting,
// a key or a setting that is wrong for every completion alike), and SQS's redrive still ends it.
import {
  errorName,
  InvalidCompletionEvent,
  KodexaRequestRejected,
  SliceNotFound,
} from './errors.ts';

// By name, which each class keeps through minification, as the ErrorName a record is
// dead-lettered with says it.
const PERMANENT = new Set([
  InvalidCompletionEvent.name,
  SliceNotFound.name,
  KodexaRequestRejected.name,
]);

export function isPermanent(error: unknown): boolean {
  return PERMANENT.has(errorName(error));
}
