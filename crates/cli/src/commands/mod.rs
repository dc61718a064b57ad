//! One module per subcommand.

pub mod demo;
pub mod info;
pub mod ot;
pub mod predict;
pub mod reproduce;
pub mod run;
pub mod sample;
