// Must FAIL `tsc --strict`: `polcy` is not an engine option.
import { Engine } from "deskguard";

new Engine({ polcy: "mode: auto\n" });
