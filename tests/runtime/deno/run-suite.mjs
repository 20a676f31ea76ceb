// Run by deno.test.mjs under Deno: imports the package by its bare name, as a Deno
// project with the package in node_modules would, and prints the suite's results.
import * as deskguard from "deskguard";
import { runSuite } from "../suite.mjs";

const fixtures = JSON.parse(await Deno.readTextFile(Deno.args[0]));
const results = runSuite(deskguard, fixtures);
console.log(JSON.stringify({ resolved: import.meta.resolve("deskguard"), deno: Deno.version.deno, results }));
