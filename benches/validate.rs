//! Validator benchmarks (placeholder until written).
fn main() {}
