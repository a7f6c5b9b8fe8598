/**
 * The demo web app: what the seed app syncs between two devices, live.
 *
 * Preferences (theme, language, transcription model), the active recording (title, elapsed
 * time, status) and UI state (open panel) live in three Y.Maps of the engine's ephemeral doc.
 * The page shows the pairing code large, takes a typed code (with word suggestions), says in
 * plain words what the engine is doing (describe.ts), and ends on a "session ended: reason"
 * screen after which the engine, its doc and every reference to them are gone.
 *
 * One engine per page at a time: Host and Join do nothing while a session exists (a double
 * click cannot start a second one), Cancel ends the pairing engine, and every handler checks it
 * still belongs to the current session. A code that does not parse is refused before any
 * engine exists; a join that fails (unknown number, relay unreachable) returns to the start
 * screen with the reason shown there.
 *
 * Verification words: once paired, both devices show the same four words (large, on the verify
 * screen in strict mode, in a banner above the session otherwise). Strict mode (`?verify=1` or the
 * checkbox on the start screen) is the engine's `verify` option: nothing is shared until the
 * person pressed "They match" on both devices; "They differ" ends the session on both
 * (`verificationRejected` here, `peerEnded` there) with the usual wipe.
 *
 * Activity: a recording in progress is activity even when nobody touches anything (the
 * recording is live shared state). While one runs, the page signals it every 30 s with
 * `engine.touch()` (the host-app API for "the app is active"), which both devices count.
 *
 * Query parameters: `?verify=1` (strict mode preselected); for trying failures quickly
 * `?connectTimeoutMs=N&peerGoneMs=N`.
 * Bundled with the browser entry by scripts/demo-web.ts; the relay URL comes from a meta tag.
 */
import { parseCode } from "../src/adapters/crypto/index.js";
import { browserTransport, createSyncEngine, relaySignaling, type EngineState, type SyncEngine } from "../src/browser.js";
import { wireCodeInput } from "./code-input.js";
// The wipe proof the page shows (and the browser test checks): test-only introspection.
import { probeEngine } from "../src/testing/index.js";
import { clock, connectionText, endDetail, pairingText, phaseText, REASONS } from "./describe.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`demo page is missing #${id}`);
  return el as T;
};
const relayUrl = document.querySelector<HTMLMetaElement>('meta[name="lethe-relay"]')?.content ?? "";
/** A recording signals activity this often (well inside the 2-minute dead-man window). */
const TOUCH_EVERY_MS = 30_000;

function queryTimings(): Record<string, number> {
  const q = new URLSearchParams(location.search);
  const out: Record<string, number> = {};
  for (const k of ["connectTimeoutMs", "peerGoneMs"]) {
    const v = Number(q.get(k));
    if (q.has(k) && Number.isInteger(v) && v >= 500 && v <= 3_600_000) out[k] = v;
  }
  return out;
}

interface WipeReport {
  readonly reason: string;
  readonly keyStoreWiped: boolean;
  readonly secretBuffers: number;
  readonly allZero: boolean;
  readonly liveResources: readonly string[];
}

/** The one session this page may have. */
interface Session {
  readonly engine: SyncEngine;
  readonly facts: { role: "host" | "join"; paired: boolean; everConnected: boolean; connectFailures: number; lastConnectError: string | null };
  /** Strict verification: nothing is shared until both devices said the words match. */
  readonly strict: boolean;
  readonly ticker: ReturnType<typeof setInterval>;
  readonly held: Uint8Array[];
  /** Why it ended when the page ended it (a failed join shows its own error). */
  failure: unknown;
  lastTouch: number;
}

let current: Session | null = null;
let screen: Screen = "start";
let enginesCreated = 0;
let lastWipe: WipeReport | null = null;

/** Test hook (public data only): whether a session exists, how many were made, what the last end wiped, whether it syncs. */
(globalThis as unknown as { letheDemo: unknown }).letheDemo = {
  hasEngine: () => current !== null,
  enginesCreated: () => enginesCreated,
  lastWipe: () => lastWipe,
  /** Whether document data may flow now (false while strict verification waits). */
  syncing: () => current?.engine.snapshot().syncing ?? false,
};

type Screen = "start" | "hosting" | "verify" | "session" | "ended";
function show(next: Screen): void {
  screen = next;
  for (const id of ["start", "hosting", "verify", "session", "ended"]) $(id).hidden = id !== screen;
  $("session-bar").hidden = screen !== "session" && screen !== "verify";
  $<HTMLButtonElement>("host").disabled = current !== null;
  $<HTMLButtonElement>("join").disabled = current !== null;
}

function setStatus(status: string, phase: string): void {
  const pill = $("status");
  pill.textContent = status;
  pill.dataset.status = status;
  $("phase").textContent = phase;
}

function showError(where: "start" | "ended", err: unknown, text?: string): void {
  const name = err instanceof Error ? err.name : "Error";
  const el = $(where === "start" ? "error" : "end-detail");
  el.textContent = text ?? (err instanceof Error ? err.message : String(err));
  el.dataset.error = name;
  el.hidden = false;
}

function clearError(): void {
  const el = $("error");
  el.hidden = true;
  el.textContent = "";
  delete el.dataset.error;
}

/** A person's sentence for an error that ends a join before pairing. */
function joinErrorText(err: unknown): string {
  const name = err instanceof Error ? err.name : "Error";
  const msg = err instanceof Error ? err.message : String(err);
  switch (name) {
    case "NameplateNotFoundError":
      return "No device is waiting with that number. Check the number, or host again on the other device for a new code.";
    case "NameplateCrowdedError":
      return "That code is already in use by two devices. Host again on the other device for a new code.";
    case "SignalingClosedError":
    case "SignalingError":
      return `The relay could not be reached (${msg}).`;
    case "WrongCodeError":
      return "Wrong code: the codes did not match.";
    default:
      return `${name}: ${msg}`;
  }
}

/** The four words, one box each (the same on both devices unless someone is in the middle). */
function showWords(el: HTMLElement, words: readonly string[]): void {
  el.replaceChildren(...words.map((w) => Object.assign(document.createElement("span"), { className: "word", textContent: w })));
}

/** Strict mode: where the comparison stands; once both confirmed, on to the session. */
function renderVerification(s: Session, state: EngineState): void {
  const v = state.verification;
  if (!s.strict || v === null) return;
  $("verify-status").textContent = v.confirmedHere
    ? v.confirmedByPeer ? "Both devices confirmed." : "Confirmed here — waiting for the other device to confirm…"
    : v.confirmedByPeer ? "The other device confirmed. Compare, then choose here." : "";
  $<HTMLButtonElement>("verify-match").disabled = v.confirmedHere;
  if (state.syncing && screen === "verify") {
    show("session");
    renderDoc(s);
  }
}

function render(s: Session): void {
  if (current !== s) return;
  const state = s.engine.snapshot();
  renderVerification(s, state);
  setStatus(state.status, phaseText(state, s.facts));
  $("a-pairing").textContent = pairingText(state, s.facts);
  $("a-connection").textContent = connectionText(state, s.facts);
  $("a-epoch").textContent = state.epoch === null ? "–" : `epoch ${state.epoch} · next rotation in ${clock(state.countdowns.rotationMs)}`;
  $("a-epoch").dataset.epoch = state.epoch === null ? "" : String(state.epoch);
  $("a-deadman").textContent = state.countdowns.inactivityMs === null ? "–" : `ends after ${clock(state.countdowns.inactivityMs)} without activity`;
  $("a-expiry").textContent = state.countdowns.expiryMs === null ? "–" : `session ends in ${clock(state.countdowns.expiryMs)}`;
  $("a-peer").textContent = state.peers.map((p) => (p.doing ? `${p.device}: ${p.doing}` : p.device)).join(", ") || "–";
  $("hosting-phase").textContent = phaseText(state, s.facts);
}

function renderDoc(s: Session): void {
  if (current !== s || s.engine.doc.isDestroyed) return;
  const e = s.engine;
  const prefs = e.doc.getMap<string>("prefs");
  const rec = e.doc.getMap<string | number>("recording");
  const ui = e.doc.getMap<string>("ui");
  const setSel = (id: string, v: string | undefined, dflt: string) => {
    const el = $<HTMLSelectElement>(id);
    if (document.activeElement !== el) el.value = v ?? dflt;
  };
  setSel("pref-theme", prefs.get("theme"), "light");
  setSel("pref-language", prefs.get("language"), "en");
  setSel("pref-model", prefs.get("model"), "whisper-base");
  document.body.classList.toggle("dark", prefs.get("theme") === "dark");
  const title = $<HTMLInputElement>("rec-title");
  if (document.activeElement !== title) title.value = String(rec.get("title") ?? "");
  const recording = rec.get("status") === "recording";
  $("rec-status").textContent = String(rec.get("status") ?? "stopped");
  const started = Number(rec.get("startedAt") ?? 0);
  const acc = Number(rec.get("accumulatedMs") ?? 0);
  $("rec-elapsed").textContent = clock(acc + (recording ? Date.now() - started : 0));
  const panel = ui.get("panel") ?? "none";
  $("ui-panel").textContent = panel;
  for (const b of document.querySelectorAll<HTMLButtonElement>("#panels button")) b.classList.toggle("active", b.dataset.panel === panel);
  // A live recording is activity: say so to the engine now and then (see the docblock).
  if (recording && Date.now() - s.lastTouch >= TOUCH_EVERY_MS) {
    s.lastTouch = Date.now();
    e.touch(); // activity on both devices, without writing to the document
  }
}

function resetPage(): void {
  for (const id of ["code", "verify-words", "session-words", "verify-status", "a-pairing", "a-connection", "a-epoch", "a-deadman", "a-expiry", "a-peer", "rec-status", "rec-elapsed", "ui-panel", "hosting-phase"]) {
    $(id).textContent = "";
  }
  $<HTMLInputElement>("rec-title").value = "";
  document.body.classList.remove("dark");
}

/** Start the page's one session, or null if one exists (a second click does nothing). */
function begin(role: "host" | "join"): Session | null {
  if (current !== null) return null;
  const strict = $<HTMLInputElement>("verify-strict").checked;
  const engine = createSyncEngine({
    transport: browserTransport(),
    signaling: relaySignaling({ url: relayUrl }),
    deviceName: navigator.userAgent.includes("Mobile") ? "phone" : "browser",
    timings: queryTimings(),
    verify: strict,
  });
  enginesCreated++;
  const s: Session = {
    engine,
    facts: { role, paired: false, everConnected: false, connectFailures: 0, lastConnectError: null },
    strict,
    ticker: setInterval(() => {
      render(s);
      renderDoc(s);
    }, 250),
    held: [],
    failure: undefined,
    lastTouch: 0,
  };
  current = s;
  // Hold every key buffer the engine ever had, to show (and let a test check) they end zeroed.
  probeEngine(engine).watchSecrets((bufs) => {
    for (const b of bufs) if (!s.held.includes(b)) s.held.push(b);
  });
  engine.doc.on("update", () => renderDoc(s));
  engine.events$.subscribe((ev) => {
    if (current !== s) return;
    if (ev.type === "paired") s.facts.paired = true;
    else if (ev.type === "verification") {
      showWords($("verify-words"), ev.words);
      showWords($("session-words"), ev.words);
      $("words-banner").hidden = s.strict; // strict: compared on the verify screen already
      $<HTMLButtonElement>("verify-match").disabled = false;
      if (s.strict) show("verify");
    } else if (ev.type === "error" && ev.source === "transport") {
      s.facts.connectFailures++;
      s.facts.lastConnectError = ev.name === "ConnectAbortedError" ? "timed out" : ev.name;
    } else if (ev.type === "connected") {
      s.facts.everConnected = true;
      // Strict: the session screen only once both confirmed (renderVerification moves on).
      if (!s.strict || s.engine.snapshot().syncing) {
        show("session");
        renderDoc(s);
      }
    } else if (ev.type === "ended") finish(s, ev.reason);
    render(s);
  });
  engine.state$.subscribe(() => render(s));
  show(role === "host" ? "hosting" : "start");
  return s;
}

function finish(s: Session, reason: string): void {
  if (current !== s) return;
  clearInterval(s.ticker);
  const e = s.engine;
  lastWipe = {
    reason,
    keyStoreWiped: probeEngine(e).keyStoreWiped,
    secretBuffers: s.held.length,
    allZero: s.held.every((b) => b.every((x) => x === 0)),
    liveResources: probeEngine(e).liveResources(),
  };
  current = null;
  s.held.length = 0;
  resetPage();
  // Ended by this page before pairing (Cancel, a failed join): back to the start screen.
  if (reason === "user" && !s.facts.paired) {
    show("start");
    setStatus("idle", "Ready");
    if (s.failure !== undefined) showError("start", s.failure, joinErrorText(s.failure));
    return;
  }
  $("end-reason").textContent = REASONS[reason] ?? reason;
  $("end-detail").textContent = endDetail(reason, s.facts);
  $("end-detail").dataset.reason = reason;
  $("end-detail").dataset.error = reason === "wrongCode" ? "WrongCodeError" : "";
  setStatus("ended", "Ended");
  show("ended");
}

$("host").addEventListener("click", async () => {
  clearError();
  const s = begin("host");
  if (s === null) return;
  try {
    const { code } = await s.engine.host();
    if (current === s) $("code").textContent = code;
  } catch (err) {
    s.failure = err;
    await s.engine.end();
  }
});

$("join-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (current !== null) return; // a second click while joining
  const code = $<HTMLInputElement>("code-input").value.trim();
  if (code === "") return;
  clearError();
  // A code that does not parse never makes an engine: say what is wrong right here.
  try {
    parseCode(code).password.fill(0);
  } catch (err) {
    showError("start", err, joinErrorText(err));
    return;
  }
  const s = begin("join");
  if (s === null) return;
  try {
    await s.engine.join(code);
    $<HTMLInputElement>("code-input").value = "";
  } catch (err) {
    if (s.engine.snapshot().status !== "ended") {
      s.failure = err;
      await s.engine.end();
    }
  }
});

$("cancel").addEventListener("click", () => void current?.engine.end());
$("verify-match").addEventListener("click", () => {
  if (current === null) return;
  current.engine.confirmVerification();
  render(current);
});
for (const id of ["verify-differ", "session-differ"]) $(id).addEventListener("click", () => void current?.engine.rejectVerification());
$("end").addEventListener("click", () => void current?.engine.end());
$("rotate").addEventListener("click", () => current?.engine.rotateNow());
$("again").addEventListener("click", () => {
  clearError();
  show("start");
  setStatus("idle", "Ready");
});

const doc = () => (current !== null && !current.engine.doc.isDestroyed ? current.engine.doc : null);
const bindSelect = (id: string, key: string) =>
  $<HTMLSelectElement>(id).addEventListener("change", (ev) => doc()?.getMap("prefs").set(key, (ev.target as HTMLSelectElement).value));
bindSelect("pref-theme", "theme");
bindSelect("pref-language", "language");
bindSelect("pref-model", "model");
$<HTMLInputElement>("rec-title").addEventListener("input", (ev) => doc()?.getMap("recording").set("title", (ev.target as HTMLInputElement).value));

function recording(action: "recording" | "paused" | "stopped"): void {
  const d = doc();
  if (d === null || current === null) return;
  const rec = d.getMap<string | number>("recording");
  const status = rec.get("status") ?? "stopped";
  const now = Date.now();
  current.lastTouch = now; // this click is a change: the next signal is due a full period from now
  d.transact(() => {
    if (status === "recording") rec.set("accumulatedMs", Number(rec.get("accumulatedMs") ?? 0) + now - Number(rec.get("startedAt") ?? now));
    if (action === "recording") rec.set("startedAt", now);
    if (action === "stopped") rec.set("accumulatedMs", 0);
    rec.set("status", action);
  });
}
$("rec-start").addEventListener("click", () => recording("recording"));
$("rec-pause").addEventListener("click", () => recording("paused"));
$("rec-stop").addEventListener("click", () => recording("stopped"));
for (const b of document.querySelectorAll<HTMLButtonElement>("#panels button")) {
  b.addEventListener("click", () => doc()?.getMap("ui").set("panel", b.dataset.panel ?? "none"));
}
wireCodeInput($<HTMLInputElement>("code-input"), $("code-suggestions"));
$<HTMLInputElement>("verify-strict").checked = new URLSearchParams(location.search).get("verify") === "1";
show("start");
setStatus("idle", "Ready");
