// The CommonJS flavour: `require` gets the same declarations.
import deskguard = require("deskguard");

const engine = new deskguard.Engine();
const verdict: deskguard.Verdict = engine.check({ decision: "ESCALATE_NEEDED: no KB" });
const code: deskguard.Code | undefined = verdict.violations[0]?.code;
console.log(code, deskguard.version());
