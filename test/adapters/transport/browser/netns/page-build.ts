/** Bundle a test page entry for Chromium (esbuild, ESM), with `vitest` aliased to the page shim. */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(new URL(".", import.meta.url));

export async function bundlePage(entry: string): Promise<string> {
  const r = await build({
    entryPoints: [`${HERE}../page/${entry}`],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    logLevel: "silent",
    alias: { vitest: `${HERE}../page/vitest-shim.ts` },
  });
  return r.outputFiles[0]!.text;
}
