// Must FAIL `tsc --strict`: `verifed` is not a customer field, so the typo is caught at
// compile time even though the engine accepts unknown fields at run time.
import { Engine } from "deskguard";

new Engine().check({
  ticket: { customer: { verifed: true } },
});
