//! The integration tests, in one test binary: each module is what was once
//! its own file under `tests/`, so rota and HiGHS are linked once and
//! libtest runs every module's tests on its threads together. One module's
//! tests: `cargo test --release --test suite replan::`.

mod common;

mod bad_inputs;
mod brute_force;
mod cli;
mod coverage_invariant;
mod decompose;
mod deferred;
mod export;
mod external;
mod forecast;
mod fuzz_parsers;
mod hostile;
mod infeasible;
mod interrupt;
mod layers;
mod planner_view;
mod readme;
mod replan;
mod report_html;
mod requests;
mod rest_breaks;
mod risk;
mod rotations;
mod rules;
mod service_level;
mod simulate;
mod sites;
mod staff;
mod staffing_props;
mod store;
mod telecom;
mod templates;
mod whatif;
mod xlsx;
