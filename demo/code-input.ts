/**
 * The pairing-code field: suggests the word being typed (completeCode: the word list for that
 * position, as magic-wormhole's tab completion), lets a tap or Tab take a suggestion, and
 * accepts spaces or hyphens between the parts (parseCode reads both).
 */
import { completeCode } from "../src/adapters/crypto/index.js";

const MAX_SUGGESTIONS = 8;

function commonPrefix(xs: readonly string[]): string {
  if (xs.length === 0) return "";
  let p = xs[0]!;
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
}

export function wireCodeInput(input: HTMLInputElement, list: HTMLElement): void {
  const render = () => {
    const candidates = completeCode(input.value);
    list.replaceChildren();
    const shown = input.value.trim() === "" ? [] : candidates.slice(0, MAX_SUGGESTIONS);
    // Nothing to suggest once the code is complete (the only candidate is what was typed).
    const done = candidates.length === 1 && candidates[0] === input.value.trim().toLowerCase().replace(/\s+/g, "-");
    for (const c of done ? [] : shown) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "suggestion";
      const trimmed = c.endsWith("-") ? c.slice(0, -1) : c;
      b.textContent = trimmed.slice(trimmed.lastIndexOf("-") + 1);
      b.dataset.complete = c;
      b.addEventListener("click", () => {
        input.value = c;
        input.focus();
        render();
      });
      list.append(b);
    }
    list.hidden = list.childElementCount === 0;
  };
  input.addEventListener("input", render);
  input.addEventListener("keydown", (ev) => {
    if (ev.key !== "Tab" || ev.shiftKey) return;
    const candidates = completeCode(input.value);
    const prefix = commonPrefix(candidates);
    if (prefix.length === 0 || prefix === input.value) return;
    ev.preventDefault();
    input.value = prefix;
    render();
  });
  render();
}
