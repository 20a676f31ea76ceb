// The panic hook: an internal panic reaches JavaScript as a thrown Error with code
// INTERNAL_ERROR (not a WebAssembly `unreachable` trap), and the module then refuses
// further work instead of running on the state the panic left behind. Its own file,
// so its own process: it poisons the module on purpose.
import test from "node:test";
import assert from "node:assert/strict";
import { Engine, __panicForTest, version } from "deskguard";

test("a panic becomes a thrown Error, then the module refuses calls", () => {
  const engine = new Engine();
  let caught;
  try {
    __panicForTest();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof Error, "an Error");
  assert.ok(!(caught instanceof WebAssembly.RuntimeError), "not a trap");
  assert.equal(caught.code, "INTERNAL_ERROR");
  assert.match(caught.message, /^internal error at src\/wasm\.rs:\d+:\d+: deliberate panic for the panic hook test \(please report it\)$/);

  for (const call of [() => engine.check({}), () => engine.checkJson("{}"), () => new Engine()]) {
    assert.throws(call, (error) => error instanceof Error && error.code === "INTERNAL_ERROR" && /load the module again/.test(error.message));
  }
  assert.equal(typeof version(), "string", "functions that touch no state still answer");
});
