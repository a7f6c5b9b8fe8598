/**
 * Work-around for a werift 0.25 DTLS bug that costs a WebRTC peer one record early in every
 * connection (issue 15: Node → Chromium edits took 0.7–1 s in the first second).
 *
 * The bug: werift numbers its Finished message — the first record of epoch 1 — with the
 * handshake's running sequence counter (e.g. epoch 1, seq 8 as DTLS server; seq 7 or so as
 * client), and only then resets the counter to 0 (`Flight6.sendFinished` / `Flight5.sendFinished`
 * in packages/dtls). RFC 6347 §4.1 starts every epoch at 0 and never reuses a number within one,
 * so the k-th application record werift sends afterwards repeats the Finished's (epoch,
 * sequence). BoringSSL (Chromium) keeps the anti-replay window of RFC 6347 §4.1.2.6 and silently
 * drops that record as a replay; werift itself keeps none, so Node ↔ Node never shows it. The
 * record carries whatever SCTP sent at that moment — in a session, usually a DATA chunk — so it
 * is recovered only by SCTP's retransmission timer (RTO ≥ 1 s in werift), and the ordered
 * channel holds everything behind it until then.
 *
 * The fix, applied per connection through werift's typed public fields: when the DTLS transport
 * connects, move the record counter past every sequence number the handshake used in the
 * current epoch (read from the last flight werift sent), so no application record repeats one.
 * A gap in sequence numbers is legal (the receiver's window simply moves on). Once werift numbers
 * epoch 1 correctly, the counter is already past the handshake and this does nothing.
 */
import type { RTCDtlsTransport, RTCPeerConnection } from "werift";

/** DTLS 1.2 record header: type(1) version(2) epoch(2) sequence_number(6) length(2). */
const HEADER = 13;

/** The highest sequence number of any record of `epoch` in `flight` (datagrams of records); -1 if none. */
export function highestSequence(flight: readonly Uint8Array[], epoch: number): number {
  let max = -1;
  for (const datagram of flight) {
    const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    for (let at = 0; at + HEADER <= datagram.byteLength; at += HEADER + view.getUint16(at + 11)) {
      if (view.getUint16(at + 3) !== epoch) continue;
      const seq = view.getUint16(at + 5) * 2 ** 32 + view.getUint32(at + 7);
      if (seq > max) max = seq;
    }
  }
  return max;
}

/** Move the transport's record counter past the handshake's records of the current epoch. */
export function skipHandshakeSequence(transport: RTCDtlsTransport): void {
  const ctx = transport.dtls?.dtls;
  if (ctx === undefined) return;
  const used = highestSequence(ctx.lastMessage ?? [], ctx.epoch);
  // The counter is pre-incremented: the next record gets `recordSequenceNumber + 1`.
  if (ctx.recordSequenceNumber < used) ctx.recordSequenceNumber = used;
}

/** Arm the fix on every DTLS transport of `pc` (idempotent; call before the descriptions are applied). */
export function guardDtlsSequence(pc: RTCPeerConnection): void {
  for (const transport of pc.dtlsTransports) {
    if (armed.has(transport)) continue;
    armed.add(transport);
    if (transport.state === "connected") skipHandshakeSequence(transport);
    transport.onStateChange.subscribe((state) => {
      if (state === "connected") skipHandshakeSequence(transport);
    });
  }
}

const armed = new WeakSet<RTCDtlsTransport>();
