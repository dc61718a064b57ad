//! One module per subcommand.

pub mod demo;
pub mod gan;
pub mod info;
pub mod ot;
pub mod predict;
pub mod reproduce;
pub mod run;
pub mod sample;
pub mod transport;
