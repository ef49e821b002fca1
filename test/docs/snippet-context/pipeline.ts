// The pipeline's own module that the docs' pipeline handlers import (`./pipeline.ts`): its work,
// left to the reader. Here only so that those examples typecheck (test/docs/snippets.test.ts).
export async function runPipeline(event: {
  sliceId: string;
  attemptNumber?: number;
}): Promise<Record<string, unknown>> {
  return { documentFamilyIds: [], sliceId: event.sliceId };
}
