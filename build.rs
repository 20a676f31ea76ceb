//! Renders the embedded default policy (`policies/support-agent.yaml`) as JSON.
//!
//! The engine for the embedded defaults is built on every cold start: in a browser
//! tab, an edge worker, a fresh Node process. Parsing 23 KB of YAML was the largest
//! single part of that build in WebAssembly, and JSON of the same data parses several
//! times faster. The YAML stays the one source: this script converts it at build time,
//! and a test checks that both forms load into the same policy.

use std::error::Error;
use std::path::Path;

fn main() -> Result<(), Box<dyn Error>> {
    let source = "policies/support-agent.yaml";
    println!("cargo:rerun-if-changed={source}");
    let yaml = std::fs::read_to_string(source)
        .map_err(|error| format!("cannot read {source}: {error}"))?;
    let value: serde_yaml::Value =
        serde_yaml::from_str(&yaml).map_err(|error| format!("{source} is not YAML: {error}"))?;
    let json = serde_json::to_string(&value)
        .map_err(|error| format!("{source} has no JSON form: {error}"))?;
    let out_dir = std::env::var_os("OUT_DIR").ok_or("cargo sets OUT_DIR for build scripts")?;
    let target = Path::new(&out_dir).join("support-agent.policy.json");
    std::fs::write(&target, json)
        .map_err(|error| format!("cannot write {}: {error}", target.display()))?;
    Ok(())
}
