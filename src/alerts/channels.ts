/** A place support reads alerts. `send` throws a FlowError saying whether to retry. */
export interface AlertChannel {
  name: string;
  /** Longest message the channel takes. */
  limit: number;
  send(text: string): Promise<void>;
}
