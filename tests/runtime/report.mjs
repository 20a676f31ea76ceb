// Turns a suite's results (from whichever runtime ran it) into Node subtests, so every
// check is counted and named in the runner's output.
import assert from "node:assert/strict";

export async function report(t, results, minimum = 20) {
  assert.ok(Array.isArray(results) && results.length >= minimum, `expected at least ${minimum} results, got ${JSON.stringify(results)?.slice(0, 500)}`);
  for (const result of results) {
    await t.test(result.name, () => {
      if (!result.ok) assert.fail(result.message);
    });
  }
}
