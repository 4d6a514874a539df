//! The engine: discovery (what a call covers), the bound (the data's MAX/MIN, read directly),
//! the plan (where the sequence should go), and applying it under the sequence lock.

pub mod apply;
pub mod bound;
pub mod column_type;
pub mod discovery;
pub mod engine;
pub mod health;
pub mod plan;
pub mod report;
pub mod sequence_state;
pub mod target;
