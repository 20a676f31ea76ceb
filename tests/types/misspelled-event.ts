// Must FAIL `tsc --strict`: `ouptut` is not a field of a complaint event.
import { IncidentMonitor } from "deskguard";

new IncidentMonitor().push({ type: "complaint", at: "2026-06-01T00:00:00Z", task_class: "x", ouptut: "y" });
