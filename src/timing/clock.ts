/** The time as epoch milliseconds. Everything that reads the time takes one, so tests can move it. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
