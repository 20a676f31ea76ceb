// Node ESM: the same instance as `require("deskguard")` (see node.cjs).
import deskguard from "./node.cjs";

export const {
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
} = deskguard;
