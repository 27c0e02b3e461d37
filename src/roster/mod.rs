//! Rosters: the model, reading a roster file back, the independent validator,
//! the soft findings (preferences, fairness), and what a re-plan takes as
//! given (absences and allowances).

pub mod absence;
pub mod model;
pub mod read;
pub mod soft;
pub mod validate;

pub use model::{Break, Roster, Shift};
