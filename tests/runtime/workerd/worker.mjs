// A Cloudflare Worker that imports the package the way a deployed worker would
// (`import ... from "deskguard"`, the "workerd" export condition) and builds its engines
// once per isolate.
//   POST /check?config=...       body: request JSON  -> the verdict (engine.check)
//   POST /check-json?config=...  body: request JSON  -> the verdict (engine.checkJson)
//   POST /suite                  body: fixtures      -> the shared suite's results
import * as deskguard from "deskguard";
import agentaz from "resolution-agent.agentaz.json";
import { engineOptions, runSuite } from "suite.mjs";

const engines = new Map();
function engine(config) {
  if (!engines.has(config)) {
    engines.set(config, new deskguard.Engine(engineOptions(config, { agentaz })));
  }
  return engines.get(config);
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (request.method !== "POST") return new Response("POST only", { status: 405 });
    const config = url.searchParams.get("config") ?? "a2-suggest";
    try {
      switch (url.pathname) {
        case "/check":
          return Response.json(engine(config).check(await request.json()));
        case "/check-json":
          return new Response(engine(config).checkJson(await request.text()), {
            headers: { "content-type": "application/json" },
          });
        case "/suite":
          return Response.json(runSuite(deskguard, await request.json()));
        default:
          return new Response("not found", { status: 404 });
      }
    } catch (error) {
      return Response.json({ error: String(error), code: error.code }, { status: 500 });
    }
  },
};
