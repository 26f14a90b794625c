/** An alert as it leaves the outbox: its text and, when it is about one, its event. */
export interface OutgoingAlert {
  text: string;
  eventId: number | null;
}

/** A place support reads alerts. `send` throws a FlowError saying whether to retry. */
export interface AlertChannel {
  name: string;
  /** Longest message the channel takes. */
  limit: number;
  send(text: string): Promise<void>;
  /**
   * Channels that show more than text (the Discord bot: an embed and buttons per event) take the
   * alerts due themselves, in one message; the others get `send` with the merged text.
   */
  sendAlerts?(alerts: OutgoingAlert[]): Promise<void>;
}
