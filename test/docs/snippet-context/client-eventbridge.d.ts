// The part of @aws-sdk/client-eventbridge (v3) that the docs' examples use. The package is not a
// dependency of this project, only of a pipeline's; these declarations follow its generated
// models (PutEventsRequest, PutEventsRequestEntry, PutEventsResponse, PutEventsResultEntry) and
// its client's `send`, so that the examples are typechecked against the API as it is.
declare module '@aws-sdk/client-eventbridge' {
  export interface EventBridgeClientConfig {
    region?: string;
  }
  export interface PutEventsRequestEntry {
    Time?: Date;
    Source?: string;
    Resources?: string[];
    DetailType?: string;
    Detail?: string;
    EventBusName?: string;
    TraceHeader?: string;
  }
  export interface PutEventsCommandInput {
    Entries: PutEventsRequestEntry[];
    EndpointId?: string;
  }
  export interface PutEventsResultEntry {
    EventId?: string;
    ErrorCode?: string;
    ErrorMessage?: string;
  }
  export interface PutEventsCommandOutput {
    FailedEntryCount?: number;
    Entries?: PutEventsResultEntry[];
  }
  export class PutEventsCommand {
    constructor(input: PutEventsCommandInput);
    readonly input: PutEventsCommandInput;
  }
  export class EventBridgeClient {
    constructor(config: EventBridgeClientConfig);
    send(command: PutEventsCommand): Promise<PutEventsCommandOutput>;
  }
}
