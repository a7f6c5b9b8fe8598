/**
 * The demo web app: what the seed app syncs between two devices, live.
 *
 * Preferences (theme, language, transcription model), the active recording (title, elapsed
 * time, status) and UI state (open panel) live in three Y.Maps of the engine's ephemeral doc.
 * The page shows the pairing code large, takes a typed code, shows each actor's live state
 * (pairing, connection, key epoch, dead-man and expiry countdowns), and ends on a "session
 * ended: reason" screen after which the engine, its doc and every reference to them are gone.
 * Bundled with the browser entry by scripts/demo-web.ts; the relay URL comes from a meta tag.
 */
import { browserTransport, createSyncEngine, relaySignaling, type EngineState, type SyncEngine } from "../src/browser.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`demo page is missing #${id}`);
  return el as T;
};
const relayUrl = document.querySelector<HTMLMetaElement>('meta[name="lethe-relay"]')?.content ?? "";

const REASONS: Record<string, string> = {
  user: "you ended it",
  peerEnded: "the other device ended it",
  wrongCode: "wrong code",
  inactivity: "inactivity",
  expired: "expired",
  pairingTimeout: "pairing timed out",
  peerGone: "the other device is gone",
  error: "error",
};

interface WipeReport {
  readonly reason: string;
  readonly keyStoreWiped: boolean;
  readonly secretBuffers: number;
  readonly allZero: boolean;
  readonly liveResources: readonly string[];
}

let engine: SyncEngine | null = null;
let ticker: ReturnType<typeof setInterval> | undefined;
let lastWipe: WipeReport | null = null;
let held: Uint8Array[] = [];

/** Test hook (public data only): whether a session exists, and what the last end wiped. */
(globalThis as unknown as { letheDemo: unknown }).letheDemo = {
  hasEngine: () => engine !== null,
  lastWipe: () => lastWipe,
};

function show(screen: "start" | "hosting" | "session" | "ended"): void {
  for (const id of ["start", "hosting", "session", "ended"]) $(id).hidden = id !== screen;
}

function setStatus(status: string): void {
  const pill = $("status");
  pill.textContent = status;
  pill.dataset.status = status;
}

function clock(ms: number | null): string {
  if (ms === null) return "–";
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

function actorValue(state: EngineState, name: string): string {
  const a = state.actors[name];
  if (a === undefined) return "–";
  const flat = (v: unknown): string =>
    typeof v === "string" ? v : typeof v === "object" && v !== null ? Object.entries(v).map(([k, x]) => `${k}.${flat(x)}`).join(", ") : String(v);
  return flat(a.value);
}

function renderActors(e: SyncEngine): void {
  const s = e.snapshot();
  setStatus(s.status);
  // The pairing actor stops once paired; the epoch existing is the proof it succeeded.
  $("a-pairing").textContent = s.actors.pairing !== undefined ? actorValue(s, "pairing") : s.epoch !== null ? "paired" : "–";
  $("a-connection").textContent = `${actorValue(s, "connection")}${s.channel ? ` (${s.channel.id})` : ""}`;
  $("a-epoch").textContent = s.epoch === null ? "–" : String(s.epoch);
  $("a-deadman").textContent = `${actorValue(s, "deadMan")} · ${clock(s.countdowns.inactivityMs)}`;
  $("a-expiry").textContent = `${actorValue(s, "expiry")} · ${clock(s.countdowns.expiryMs)}`;
  $("a-peer").textContent = s.peers.map((p) => (p.doing ? `${p.device}: ${p.doing}` : p.device)).join(", ") || "–";
}

function renderDoc(e: SyncEngine): void {
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
  $("rec-status").textContent = String(rec.get("status") ?? "stopped");
  const started = Number(rec.get("startedAt") ?? 0);
  const acc = Number(rec.get("accumulatedMs") ?? 0);
  $("rec-elapsed").textContent = clock(acc + (rec.get("status") === "recording" ? Date.now() - started : 0));
  const panel = ui.get("panel") ?? "none";
  $("ui-panel").textContent = panel;
  for (const b of document.querySelectorAll<HTMLButtonElement>("#panels button")) b.classList.toggle("active", b.dataset.panel === panel);
}

function resetPage(): void {
  for (const id of ["code", "a-pairing", "a-connection", "a-epoch", "a-deadman", "a-expiry", "a-peer", "rec-status", "rec-elapsed", "ui-panel"]) {
    $(id).textContent = "";
  }
  $<HTMLInputElement>("rec-title").value = "";
  $<HTMLInputElement>("code-input").value = "";
  document.body.classList.remove("dark");
}

function startEngine(): SyncEngine {
  const e = createSyncEngine({
    transport: browserTransport(),
    signaling: relaySignaling({ url: relayUrl }),
    deviceName: navigator.userAgent.includes("Mobile") ? "phone" : "browser",
  });
  engine = e;
  held = [];
  // Hold every key buffer the engine ever had, to show (and let a test check) they end zeroed.
  e.debug.watchSecrets((bufs) => {
    for (const b of bufs) if (!held.includes(b)) held.push(b);
  });
  e.doc.on("update", () => renderDoc(e));
  e.events$.subscribe((ev) => {
    if (ev.type === "connected") {
      show("session");
      renderDoc(e);
    }
    if (ev.type === "ended") finish(e, ev.reason);
  });
  e.state$.subscribe(() => renderActors(e));
  ticker = setInterval(() => {
    renderActors(e);
    renderDoc(e);
  }, 250);
  return e;
}

function finish(e: SyncEngine, reason: string): void {
  if (engine !== e) return;
  clearInterval(ticker);
  lastWipe = {
    reason,
    keyStoreWiped: e.debug.keyStoreWiped,
    secretBuffers: held.length,
    allZero: held.every((b) => b.every((x) => x === 0)),
    liveResources: e.debug.liveResources(),
  };
  engine = null;
  held = [];
  resetPage();
  $("end-reason").textContent = REASONS[reason] ?? reason;
  setStatus("ended");
  show("ended");
}

$("host").addEventListener("click", async () => {
  $("error").hidden = true;
  const e = startEngine();
  try {
    const { code } = await e.host();
    $("code").textContent = code;
    show("hosting");
  } catch (err) {
    showError(err);
  }
});

$("join-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const code = $<HTMLInputElement>("code-input").value.trim();
  if (code === "") return;
  $("error").hidden = true;
  const e = startEngine();
  try {
    await e.join(code);
  } catch (err) {
    showError(err);
  }
});

function showError(err: unknown): void {
  const name = err instanceof Error ? err.name : "Error";
  const el = $("error");
  el.textContent = name === "WrongCodeError" ? "Wrong code: the codes did not match." : `${name}: ${err instanceof Error ? err.message : String(err)}`;
  el.hidden = false;
  el.dataset.error = name;
  // The ended screen carries the reason; keep the error visible there too.
  $("ended").querySelector(".card")?.append(el);
}

$("cancel").addEventListener("click", () => void engine?.end());
$("end").addEventListener("click", () => void engine?.end());
$("rotate").addEventListener("click", () => engine?.rotateNow());
$("again").addEventListener("click", () => {
  $("error").hidden = true;
  $("start").append($("error"));
  show("start");
  setStatus("idle");
});

const bindSelect = (id: string, key: string) =>
  $<HTMLSelectElement>(id).addEventListener("change", (ev) => engine?.doc.getMap("prefs").set(key, (ev.target as HTMLSelectElement).value));
bindSelect("pref-theme", "theme");
bindSelect("pref-language", "language");
bindSelect("pref-model", "model");
$<HTMLInputElement>("rec-title").addEventListener("input", (ev) => engine?.doc.getMap("recording").set("title", (ev.target as HTMLInputElement).value));

function recording(action: "recording" | "paused" | "stopped"): void {
  if (engine === null) return;
  const rec = engine.doc.getMap<string | number>("recording");
  const status = rec.get("status") ?? "stopped";
  const now = Date.now();
  engine.doc.transact(() => {
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
  b.addEventListener("click", () => engine?.doc.getMap("ui").set("panel", b.dataset.panel ?? "none"));
}
show("start");
