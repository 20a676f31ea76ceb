// Derives the generated files of pkg/web/ that wasm-bindgen does not write itself
// (run by scripts/build-wasm.sh after wasm-bindgen):
// - deskguard.cjs: the --target web glue as CommonJS. Node's `require` cannot load an
//   ES module synchronously on every supported version, and shipping a second,
//   --target nodejs copy of the module would double the package. The glue's shape is
//   fixed by the exact wasm-bindgen pin; any surprise fails the build.
// - codes.d.ts: the Code and Trigger unions, read from the built module's registry.
// - deskguard.d.cts: pkg/deskguard.d.ts for CommonJS consumers, unions inlined.
// It also repairs one known fault of Debian 12's wasm-opt (binaryen 108), below.
// PKG_DIR points it at another copy of pkg/ (for experiments with other builds).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const pkg = new URL(process.env.PKG_DIR ?? "../pkg/", import.meta.url);
const out = new URL("web/", pkg);

function fail(message) {
  console.error(`finish-pkg: ${message}`);
  process.exit(1);
}

// -- binaryen 108's table export ----------------------------------------------------
// binaryen 108 rewrites the export of wasm-bindgen's externref table
// (`__wbindgen_externrefs`) to point at table 0, the function table, even with no pass
// at all; the module then fails at start-up ("function-typed object must be null").
// Point the export back at the externref table. Newer binaryen gets it right, and then
// this finds nothing to do.
function fixExternrefExport(path) {
  const bytes = readFileSync(path);
  let at = 8;
  const leb = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  const skipLimits = () => {
    const flags = bytes[at++];
    leb();
    if (flags & 1) leb();
  };
  const tableTypes = [];
  let exportAt = -1;
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 2) {
      for (let count = leb(); count > 0; count--) {
        for (let name = 0; name < 2; name++) {
          // Module and field name. (Not `at += leb()`: that would add to the old `at`.)
          const length = leb();
          at += length;
        }
        const kind = bytes[at++];
        if (kind === 0) leb();
        else if (kind === 1) {
          tableTypes.push(bytes[at++]);
          skipLimits();
        } else if (kind === 2) skipLimits();
        else if (kind === 3) at += 2;
        else if (kind === 4) at += 2;
        else fail(`unknown import kind ${kind}`);
      }
    } else if (id === 4) {
      for (let count = leb(); count > 0; count--) {
        if (bytes[at] === 0x40) fail("a table with an initializer: update fixExternrefExport");
        tableTypes.push(bytes[at++]);
        skipLimits();
      }
    } else if (id === 7) {
      for (let count = leb(); count > 0; count--) {
        const length = leb();
        const name = bytes.subarray(at, at + length).toString();
        at += length;
        const kind = bytes[at++];
        if (kind === 1 && name === "__wbindgen_externrefs") exportAt = at;
        leb();
      }
    }
    at = end;
  }
  if (exportAt < 0) return;
  const wanted = tableTypes.indexOf(0x6f);
  if (wanted < 0 || wanted > 0x7f || bytes[exportAt] > 0x7f) fail("cannot locate the externref table");
  if (bytes[exportAt] !== wanted) {
    bytes[exportAt] = wanted;
    writeFileSync(path, bytes);
    console.log("finish-pkg: pointed `__wbindgen_externrefs` back at the externref table (binaryen 108)");
  }
}
fixExternrefExport(new URL("deskguard_bg.wasm", out));

// -- CommonJS glue ------------------------------------------------------------------
const esm = readFileSync(new URL("deskguard.js", out), "utf8");
const names = [...esm.matchAll(/^export (?:class|function) (\w+)/gm)].map((m) => m[1]);
const exportList = /^export \{ initSync, __wbg_init as default \};$/m;
if (names.length === 0 || !exportList.test(esm)) {
  fail("the wasm-bindgen glue no longer has the expected exports; update this script");
}
let cjs = esm
  .replace(/^\/\* @ts-self-types=.*\*\/$/m, "")
  .replace(/^export (class|function) /gm, "$1 ")
  .replace(exportList, "")
  .replaceAll("import.meta.url", 'require("node:url").pathToFileURL(__filename)');
const leftover = cjs.match(/^\s*(?:export|import)\b.*$/m);
if (leftover) {
  fail(`the CommonJS glue still has a module statement: ${leftover[0]}`);
}
cjs =
  `"use strict";\n// Generated from deskguard.js by scripts/finish-pkg.mjs.\n${cjs}\n` +
  `module.exports = { ${[...names, "initSync"].join(", ")} };\n`;
writeFileSync(new URL("deskguard.cjs", out), cjs);

// -- Code and Trigger unions from the module's own registry --------------------------
const require = createRequire(import.meta.url);
const deskguard = require(new URL("node.cjs", pkg).pathname);
const union = (name, doc, entries, key) =>
  `/** ${doc} */\nexport type ${name} =\n` +
  entries.map((entry) => `  /** ${entry.description} */\n  | ${JSON.stringify(entry[key])}`).join("\n") +
  ";\n";
const unions =
  union("Code", "A stable machine code (src/codes.rs): never renamed, only deprecated.", deskguard.codes(), "code") +
  "\n" +
  union("Trigger", "A hard escalation trigger: any one fired forces ESCALATE.", deskguard.triggers(), "trigger");
writeFileSync(
  new URL("codes.d.ts", out),
  `// Generated by scripts/finish-pkg.mjs from the engine's registry. Do not edit.\n\n${unions}`,
);

// -- declarations for CommonJS consumers -----------------------------------------------
const dts = readFileSync(new URL("deskguard.d.ts", pkg), "utf8");
const importLine = 'import type { Code, Trigger } from "./web/codes.js";\n\nexport type { Code, Trigger };\n';
if (!dts.includes(importLine)) {
  fail("pkg/deskguard.d.ts no longer imports Code and Trigger as expected");
}
writeFileSync(
  new URL("deskguard.d.cts", out),
  `// Generated from pkg/deskguard.d.ts by scripts/finish-pkg.mjs. Do not edit.\n${dts.replace(importLine, unions)}`,
);
console.log(`finish-pkg: ${names.length} exports, ${deskguard.codes().length} codes, ${deskguard.triggers().length} triggers`);
