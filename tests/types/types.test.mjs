// tsc --strict on the shipped declarations: the consumer files compile, and each
// deliberately misspelled file fails with an error that names its typo.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const here = fileURLToPath(new URL(".", import.meta.url));
const tsc = join(here, "node_modules/typescript/bin/tsc");

function run(project) {
  const result = spawnSync(process.execPath, [tsc, "-p", project], { cwd: here, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test("consumer.ts and consumer.cts pass tsc --strict --noEmit", () => {
  const { status, output } = run("tsconfig.json");
  assert.equal(status, 0, output);
});

test("misspelled files fail tsc --strict --noEmit", async (t) => {
  const { status, output } = run("tsconfig.misspelled.json");
  assert.notEqual(status, 0, "tsc accepted the misspelled files");
  for (const [file, typo] of [
    ["misspelled.ts", "verifed"],
    ["misspelled-option.ts", "polcy"],
    ["misspelled-code.ts", "REFUND_OVERCAP"],
    ["misspelled-event.ts", "ouptut"],
    ["misspelled-config.ts", "complaint_runs"],
    ["misspelled-method.ts", "validateReplies"],
  ]) {
    await t.test(`${file}: \`${typo}\` is an error`, () => {
      assert.match(output, new RegExp(`${file}\\(\\d+,\\d+\\): error TS\\d+: .*${typo}`), output);
    });
  }
  const errors = output.match(/error TS\d+/g) ?? [];
  assert.equal(errors.length, 6, `one error per file, no other:\n${output}`);
});
