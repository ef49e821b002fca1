// The CDK app (cdk.json runs it with Node 24's type stripping): the slice-completion stack, with
// cdk-nag's AWS Solutions checks as a validation plugin, so any unacknowledged finding fails synth.
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InvalidContext, readContext } from './context.ts';
import { SliceCompletionStack } from './slice-completion-stack.ts';
import { BASE_NAME, stageName } from './stage.ts';

export function createApp(props?: AppProps): App {
  const app = new App(props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const context = readContext(app.node);
  // The id is the stack's name: SliceCompletion without a stage, as before stages existed.
  new SliceCompletionStack(app, stageName(BASE_NAME, context.stage), {
    description: `Reports finished Kodexa pipeline work (execution slices) back to Kodexa${context.stage ? ` (stage ${context.stage})` : ''}`,
    context,
  });
  return app;
}

if (import.meta.main) {
  try {
    createApp().synth();
  } catch (error) {
    if (!(error instanceof InvalidContext)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  }
}
