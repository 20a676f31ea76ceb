// Node, `require("deskguard")` and (through node.mjs) `import`: both load this one
// instance, so a process never holds two copies of the module. The bytes are read from
// disk and compiled synchronously, so requiring the package is all the set-up there is.
"use strict";

const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const glue = require("./web/deskguard.cjs");

glue.initSync({ module: readFileSync(join(__dirname, "web", "deskguard_bg.wasm")) });

module.exports = {
  Engine: glue.Engine,
  PreparedReplyContext: glue.PreparedReplyContext,
  IncidentMonitor: glue.IncidentMonitor,
  validateNotice: glue.validateNotice,
  computeTier: glue.computeTier,
  version: glue.version,
  codes: glue.codes,
  triggers: glue.triggers,
  utf16Span: glue.utf16Span,
  __panicForTest: glue.__panicForTest,
};
