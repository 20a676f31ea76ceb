// Browsers, bundlers and Deno: fetch and instantiate the module once, at import time
// (top-level await), so every export is ready to call synchronously. The URL form
// lets bundlers (Vite, webpack 5, esbuild) find and copy the .wasm asset.
import init from "./web/deskguard.js";

await init({ module_or_path: new URL("./web/deskguard_bg.wasm", import.meta.url) });

export {
  Engine,
  PreparedReplyContext,
  IncidentMonitor,
  validateNotice,
  computeTier,
  version,
  codes,
  triggers,
  utf16Span,
  __panicForTest,
} from "./web/deskguard.js";
