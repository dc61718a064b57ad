//! meanfield-dynot: dynamic optimal transport by particles (Craig, Elamvazhuthi, Lee, "A blob
//! method for mean field control with terminal constraints").
//!
//! N particles move from fixed sources `x_i^0` through levels `x_i^1..x_i^L` (`dt = 1/L`).
//! The trajectories minimise ([`Objective`]) the kinetic energy
//! `(1/N) sum |x^{l+1} - x^l|^2 / dt` (no 1/2: straight lines under the optimal matching cost
//! exactly W2^2), a mollified terminal penalty ([`Endpoint`]), obstacle penalties evaluated on
//! every segment ([`Region`], so no path tunnels through a thin wall), quicksand and
//! acceleration control, by gradient descent, Adam or L-BFGS ([`solve`]). Exact references:
//! the assignment, or around obstacles the assignment on geodesic distances
//! ([`exact_reference`]). The learned map extends to new points ([`TransportMap`]). The
//! `[transport]` config section is [`TransportConfig`]; [`TransportRun`] is the run the driver
//! executes (files, figure, summary).

pub mod config;
mod diagnose;
mod endpoint;
mod error;
mod figure;
mod fused;
mod gauss_sum;
mod map;
mod objective;
mod problem;
mod reassign;
mod reference;
mod refill;
mod region;
mod run;
mod solve;

pub use config::TransportConfig;
pub use diagnose::{COST_TOLERANCE, PLAN_TOLERANCE, PlanCheck, warnings};
pub use endpoint::{Endpoint, Penalty};
pub use error::{DynotError, Result};
pub use figure::paths_figure;
pub use map::{SOURCES_FILE, TransportMap};
pub use objective::{Acceleration, Objective, ObjectiveValue, part};
pub use problem::Problem;
pub use reassign::{Reassignment, end_points, reassign, straight_lines};
pub use reference::exact_reference;
pub use refill::{Move, apply, hole_filling_moves};
pub use region::Region;
pub use run::TransportRun;
pub use solve::{Monitor, Solution, SolveSettings, solve};
