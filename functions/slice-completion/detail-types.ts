// The EventBridge detail-types of the events the function takes: what the stack's rules match
// (infra/), the published schema names (tools/completion-schema.ts) and the parser tells apart.
// No imports, so that the CDK app can share them.

/** A pipeline's own completion event, its detail the completion. */
export const COMPLETION_DETAIL_TYPE = 'Execution Slice Completed';

/** How the detail-type of an EventBridge event carrying a destination record begins. */
export const DESTINATION_DETAIL_TYPE = 'Lambda Function Invocation Result';
