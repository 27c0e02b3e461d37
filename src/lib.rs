//! rota: a workforce-management optimizer for contact centres.
//!
//! The library reads a scenario and its interval history, forecasts volume
//! and handle time, turns them into required agents per interval, builds a
//! weekly roster with an integer program, checks any roster against the
//! scenario's rules, and writes the results. It does no printing and reads no
//! environment: the `rota` binary does both. See `ARCHITECTURE.md`.

pub mod coverage;
pub mod csv_cell;
pub mod drill;
pub mod error;
pub mod explain;
pub mod export;
pub mod forecast;
pub mod hindsight;
pub mod history;
pub mod horizon;
pub mod instance;
pub mod limits;
pub mod lp;
pub mod plan;
pub mod replan;
pub mod report;
pub mod request;
pub mod roster;
pub mod scenario;
pub mod simulate;
pub mod solve;
pub mod staffing;
pub mod store;
pub mod whatif;

pub use error::{Error, Result};
