// The one place the page loads the engine: the web build of the npm package in pkg/,
// initialized once. Everything else awaits `ready`.
export const ready = import("../pkg/web/deskguard.js").then(async (module) => {
  await module.default();
  return module;
});
