// Must FAIL `tsc --strict`: `complaint_runs` is not a monitor setting (`complaint_run` is).
import { IncidentMonitor } from "deskguard";

new IncidentMonitor({ complaint_runs: 3 });
