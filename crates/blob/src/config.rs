//! `[blob]`: mollifier and overlap evaluation of the blob methods, and which particle method
//! a flow integrates.

use serde::{Deserialize, Serialize};

use meanfield_core::validate::{check_optional_box, check_positive};
use meanfield_core::{CoreError, MollifierKind, Result};

/// The particle methods this crate builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowMethod {
    /// Aggregation-drift flow of `[energy]` (kernel and/or drift).
    #[default]
    Aggregation,
    /// Weighted porous-medium blob method, `1/2 int (phi_eps * rho)^2 / rhobar` plus `[energy]`.
    Blob,
    /// Linear-diffusion blob method (Carrillo-Craig-Patacchini), `int rho log(phi_eps * rho)`
    /// plus `[energy]` (use `drift = neg_log_target` to sample the target).
    LinearBlob,
    /// Overdamped Langevin dynamics `dX = -grad V dt + sqrt(2) dB` (Euler-Maruyama), V the
    /// `[energy]` drift.
    Langevin,
    /// Stein variational gradient descent with an RBF kernel (median bandwidth).
    Svgd,
}

impl FlowMethod {
    /// Every particle method, in the order of the docs.
    pub const ALL: [Self; 5] = [
        Self::Aggregation,
        Self::Blob,
        Self::LinearBlob,
        Self::Langevin,
        Self::Svgd,
    ];

    /// The TOML value that names the method (`method = "..."`).
    pub fn key(self) -> &'static str {
        match self {
            Self::Aggregation => "aggregation",
            other => other.name(),
        }
    }

    /// The method a TOML value names.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.key() == key)
    }

    /// The name written into summaries.
    pub fn name(self) -> &'static str {
        match self {
            Self::Aggregation => "aggregation_drift",
            Self::Blob => "blob",
            Self::LinearBlob => "linear_blob",
            Self::Langevin => "langevin",
            Self::Svgd => "svgd",
        }
    }

    /// Whether the method needs a mollifier width `blob.eps`.
    pub fn needs_eps(self) -> bool {
        matches!(self, Self::Blob | Self::LinearBlob)
    }
}

/// How the blob overlap `I(a, b) = int phi_eps(a - x) phi_eps(b - x) / rhobar(x) dx` is
/// computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverlapKind {
    /// The closed form when one exists (Gaussian mollifier; rhobar = 1, uniform box,
    /// piecewise constant or Gaussian), else quadrature.
    #[default]
    Auto,
    /// The closed form; an error when there is none.
    ClosedForm,
    /// `I(a, b) = phi_{sqrt2 eps}(a - b) J((a + b)/2)` with `J = phi_{eps/sqrt2} * (1/rhobar)`
    /// tabulated once from the quadrature grid's weights and interpolated (any target,
    /// Gaussian mollifier, d <= 3; relative error about 1e-7 in d <= 2, 1e-5 in d = 3).
    Factorised,
    /// Quadrature on a grid over the domain (any target and mollifier, d <= 3): the
    /// reference, O(N x nodes) per evaluation.
    Quadrature,
}

impl PairEvaluation {
    /// The TOML value.
    pub fn key(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Pairwise => "pairwise",
            Self::Cutoff => "cutoff",
            Self::Mesh => "mesh",
            Self::RandomBatch => "random_batch",
        }
    }
}

/// How the pair sum `1/2 sum_ij m_i m_j I(x_i, x_j)` is evaluated on the CPU (`[energy]
/// evaluation = "tensor"` takes the autodiff reference instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairEvaluation {
    /// `random_batch` when `batch >= 2`; else `mesh` for the whole run when N >= 20000 and its
    /// estimated cost on the start is below half the pair engine's; else per evaluation
    /// `cutoff` when its cell list visits fewer than half the pairs (N >= 1000) or 15% of them
    /// (N >= 250), `pairwise` otherwise.
    #[default]
    Auto,
    /// All pairs, each once, vectorised.
    Pairwise,
    /// Pairs closer than `r_c = 2 eps sqrt(ln(1/tol) + (d+1)/2 ln ln(1/tol))` (a cell list):
    /// O(N k); the pairs left out carry below `tolerance` of the sum.
    Cutoff,
    /// Particle-mesh (Gaussian gridding on a lattice of spacing `eps / mesh_cells_per_eps`,
    /// d <= 3, Gaussian mollifier): O(N + nodes), for large N with eps large against the
    /// particle spacing; any target (the quadrature's floored `1/rhobar` on the lattice).
    Mesh,
    /// The random batch method (`batch` = p >= 2): approximate.
    RandomBatch,
}

/// `[blob]`: mollifier and evaluation of the blob methods (also SVGD's and Langevin's
/// free-energy estimate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobConfig {
    /// Mollifier width eps (> 0); required by `blob` and `linear_blob`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eps: Option<f64>,
    /// Mollifier shape.
    #[serde(default)]
    pub mollifier: MollifierKind,
    /// Overlap evaluation.
    #[serde(default)]
    pub overlap: OverlapKind,
    /// Pair-sum evaluation.
    #[serde(default)]
    pub evaluation: PairEvaluation,
    /// `cutoff`: the share of the pair sum left out (pairs beyond `r_c`), in (0, 0.1].
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    /// `mesh`: lattice nodes per eps, in [2, 16].
    #[serde(default = "default_mesh_cells_per_eps")]
    pub mesh_cells_per_eps: f64,
    /// Random batch method: batch size p >= 2 (0: the full O(N^2) sum).
    #[serde(default)]
    pub batch: usize,
    /// Quadrature nodes per axis.
    #[serde(default = "default_quadrature_cells")]
    pub quadrature_cells: usize,
    /// Quadrature domain lower corner (default: the target's support box, or mean +- 5 std).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_lo: Option<Vec<f64>>,
    /// Quadrature domain upper corner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_hi: Option<Vec<f64>>,
    /// Quadrature: `1/rhobar` is capped at `1 / (floor * max rhobar)` so that tails stay finite.
    #[serde(default = "default_floor")]
    pub density_floor: f64,
}

impl Default for BlobConfig {
    fn default() -> Self {
        Self {
            eps: None,
            mollifier: MollifierKind::default(),
            overlap: OverlapKind::default(),
            evaluation: PairEvaluation::default(),
            tolerance: default_tolerance(),
            mesh_cells_per_eps: default_mesh_cells_per_eps(),
            batch: 0,
            quadrature_cells: default_quadrature_cells(),
            domain_lo: None,
            domain_hi: None,
            density_floor: default_floor(),
        }
    }
}

fn default_quadrature_cells() -> usize {
    200
}
fn default_floor() -> f64 {
    1e-3
}
fn default_tolerance() -> f64 {
    1e-8
}
fn default_mesh_cells_per_eps() -> f64 {
    2.0
}

impl BlobConfig {
    /// `[blob]` with the mollifier width `eps` and every other default.
    pub fn with_eps(eps: f64) -> Self {
        Self {
            eps: Some(eps),
            ..Self::default()
        }
    }

    /// Checks ranges for `method` over `n` particles.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the key.
    pub fn validate(&self, method: FlowMethod, n: usize) -> Result<()> {
        match self.eps {
            Some(eps) => check_positive("blob.eps", eps)?,
            None if method.needs_eps() => {
                return Err(CoreError::config(
                    "blob.eps",
                    format!("method `{}` needs a mollifier width eps > 0", method.name()),
                ));
            }
            None => {}
        }
        if !(self.tolerance > 0.0 && self.tolerance <= 0.1) {
            return Err(CoreError::config(
                "blob.tolerance",
                format!("must be in (0, 0.1], found {}", self.tolerance),
            ));
        }
        match (self.evaluation, self.batch) {
            (PairEvaluation::RandomBatch, 0) => {
                return Err(CoreError::config(
                    "blob.batch",
                    "evaluation = \"random_batch\" needs a batch size p >= 2",
                ));
            }
            (PairEvaluation::Pairwise | PairEvaluation::Cutoff | PairEvaluation::Mesh, p)
                if p > 0 =>
            {
                return Err(CoreError::config(
                    "blob.batch",
                    format!(
                        "is {p}, but evaluation = \"{}\" sums the exact pairs; use evaluation = \"random_batch\" or batch = 0",
                        if self.evaluation == PairEvaluation::Cutoff {
                            "cutoff"
                        } else {
                            "pairwise"
                        }
                    ),
                ));
            }
            _ => {}
        }
        let needs_gaussian = matches!(
            self.evaluation,
            PairEvaluation::Cutoff | PairEvaluation::Mesh
        );
        if needs_gaussian && self.mollifier != MollifierKind::Gaussian {
            return Err(CoreError::config(
                "blob.evaluation",
                format!(
                    "{} needs the Gaussian mollifier (the cut-off's pair factor decays like exp(-r^2 / 4 eps^2); the mesh composes Gaussians); use pairwise or the quadrature",
                    self.evaluation.key()
                ),
            ));
        }
        if !(2.0..=16.0).contains(&self.mesh_cells_per_eps) {
            return Err(CoreError::config(
                "blob.mesh_cells_per_eps",
                format!("must be in [2, 16], found {}", self.mesh_cells_per_eps),
            ));
        }
        if self.evaluation == PairEvaluation::Mesh && self.overlap != OverlapKind::Auto {
            return Err(CoreError::config(
                "blob.overlap",
                "the mesh computes the energy on its own lattice: leave overlap = \"auto\"",
            ));
        }
        if self.batch == 1 || self.batch > n {
            return Err(CoreError::config(
                "blob.batch",
                format!(
                    "must be 0 (full sum) or in 2..={n} (particles.n), found {}",
                    self.batch
                ),
            ));
        }
        if !(4..=4096).contains(&self.quadrature_cells) {
            return Err(CoreError::config(
                "blob.quadrature_cells",
                format!("must be in 4..=4096, found {}", self.quadrature_cells),
            ));
        }
        check_optional_box(
            "blob.domain",
            self.domain_lo.as_deref(),
            self.domain_hi.as_deref(),
        )?;
        if !(self.density_floor > 0.0 && self.density_floor < 1.0) {
            return Err(CoreError::config(
                "blob.density_floor",
                format!("must be in (0, 1), found {}", self.density_floor),
            ));
        }
        Ok(())
    }
}
