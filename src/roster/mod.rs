//! Rosters: the model, reading a roster file back, and the independent validator.

pub mod model;
pub mod read;
pub mod validate;

pub use model::{Break, Roster, Shift};
