/**
 * Turns of the event loop given back during a long configuration job (a reload of
 * 10,000 deployments): `setImmediate`, so timers, sockets and the running plan's
 * requests are served between two slices.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Items handled between two yields. A slice of deployments (read, validated or compiled)
 * takes a few milliseconds: far under the 50 ms a reload may hold the event loop.
 */
export const CONFIG_SLICE = 250;
