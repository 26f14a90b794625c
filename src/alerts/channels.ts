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
  /** How this channel shows an alert's text (Discord: buyer text escaped), before texts are merged for `send`. */
  format?(text: string): string;
  /**
   * Channels that show more than text (the Discord bot: an embed and buttons per event) take the
   * alerts due themselves, in one message, and say how many of them (from the first) it carried:
   * the others stay due for the next message. The others get `send` with the merged text.
   */
  sendAlerts?(alerts: OutgoingAlert[]): Promise<number>;
}
