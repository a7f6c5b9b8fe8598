/**
 * Writes held for one turn of the event loop: every socket corked during a turn is uncorked by
 * one shared `nextTick`, so what a turn writes to a socket leaves in one write.
 */
export type Corkable = { cork(): void; uncork(): void };

/**
 * Sockets corked during this turn of the event loop, uncorked together by one `nextTick`
 * (rather than one callback per socket and turn); `corkTurn` counts those ticks.
 */
let corkedNow: Corkable[] = [];
let corkTurn = 0;

/** Which turn this is (a connection corks its socket once per turn). */
export const currentCorkTurn = (): number => corkTurn;
function uncorkAll(): void {
  const list = corkedNow;
  corkedNow = [];
  corkTurn++;
  for (const socket of list) socket.uncork();
}

/**
 * Hold what is written to `socket` until the next tick, then send it in one write. Used for
 * every frame a connection sends, and by the server for the upgrade's `101` response, so that
 * response and the `welcome` frame leave in one write.
 */
export function corkForThisTick(socket: Corkable): void {
  socket.cork();
  if (corkedNow.push(socket) === 1) process.nextTick(uncorkAll);
}
