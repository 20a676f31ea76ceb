// Browsers, bundlers and Deno: fetch and instantiate the module once, at import time
// (top-level await), so every export is ready to call synchronously. The URL form
// lets bundlers that follow it (Vite, webpack 5; not esbuild) emit the .wasm as an
// asset and rewrite the URL.
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
