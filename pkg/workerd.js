// Cloudflare Workers (workerd): the runtime forbids compiling WebAssembly from bytes
// at run time, so the module is imported as a compiled `WebAssembly.Module` (wrangler
// and workerd's `wasm` module type both do this for a `.wasm` import).
import module from "./web/deskguard_bg.wasm";
import { initSync } from "./web/deskguard.js";

initSync({ module });

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
