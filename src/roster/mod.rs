//! Rosters: the model, reading a roster file back, and the independent validator,
//! and the soft findings (preferences, fairness).

pub mod model;
pub mod read;
pub mod soft;
pub mod validate;

pub use model::{Break, Roster, Shift};
