/**
 * A desktop app and its phone app, each with its own Zustand store, kept in step by Lethe for
 * one session. Run it: `npx tsx examples/desktop-and-phone.ts` (from a checkout, after
 * `npm run build`; test/examples/examples.test.ts runs it as written against the sources).
 *
 * Everything stays on this machine: a relay on 127.0.0.1 and werift pinned to loopback.
 */
import { createStore } from "zustand/vanilla";
import { createSyncEngine } from "lethe-sync";
import { weriftTransport } from "lethe-sync/adapters/werift";
import { relaySignaling } from "lethe-sync/adapters/relay";
import { createStoreBinding } from "lethe-sync/bind";
import { createRelayServer } from "lethe-sync/relay";

interface AppState {
  theme: "light" | "dark";
  recording: { title: string; status: "stopped" | "recording" } | null;
  setTheme(theme: "light" | "dark"): void;
}
// Each app's own store, as it would write it anyway (the action is never synced).
const appStore = (theme: "light" | "dark") =>
  createStore<AppState>()((set) => ({ theme, recording: null, setTheme: (t) => set({ theme: t }) }));
const desktop = appStore("dark");
const phone = appStore("light");

// A binding lives as long as its store; it attaches to one session (one engine) at a time.
const desktopBinding = createStoreBinding(desktop, { seed: "host" });
const phoneBinding = createStoreBinding(phone, { seed: "host" });

const relay = createRelayServer({ host: "127.0.0.1", port: 0, log: false });
const { url } = await relay.start();
const device = () => createSyncEngine({ transport: weriftTransport({ loopbackOnly: true }), signaling: relaySignaling({ url }) });
const desktopEngine = device();
const phoneEngine = device();
const seeded = [desktopBinding.attach(desktopEngine).ready, phoneBinding.attach(phoneEngine).ready];

const { code } = await desktopEngine.host(); // the desktop shows the code...
await phoneEngine.join(code); // ...the person types it on the phone
await Promise.all(seeded);
console.log("phone after pairing:", phone.getState().theme); // the host's value: "dark"

/** Resolves when `store` satisfies `ok` (a change from the other device arrives). */
const until = <S>(store: { getState(): S; subscribe(l: (s: S) => void): () => void }, ok: (s: S) => boolean) =>
  new Promise<void>((resolve) => {
    if (ok(store.getState())) return resolve();
    const stop = store.subscribe((s) => ok(s) && (stop(), resolve()));
  });

phone.setState({ recording: { title: "Weekly standup", status: "recording" } });
await until(desktop, (s) => s.recording?.status === "recording");
console.log("desktop sees:", desktop.getState().recording?.title);

desktop.getState().setTheme("light");
await until(phone, (s) => s.theme === "light");
console.log("phone sees theme:", phone.getState().theme);

await desktopEngine.end(); // keys zeroed and docs destroyed on both devices...
await phoneEngine.ended;
console.log("after the end, the phone's store still has:", JSON.stringify(phone.getState())); // ...the stores keep their values
desktopBinding.dispose();
phoneBinding.dispose();
await relay.stop();
