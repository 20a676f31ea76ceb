// Must FAIL `tsc --strict`: `REFUND_OVERCAP` is not a code.
import { type Code } from "deskguard";

const code: Code = "REFUND_OVERCAP";
console.log(code);
