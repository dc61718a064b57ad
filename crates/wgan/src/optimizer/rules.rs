//! The update rules (SGD, RMSProp, Adam with PyTorch's recurrences), each written once over
//! an [`Operand`]: a whole tensor on any device, or one element of a host buffer.

use std::ops::{Add, Div, Mul, Sub};

use burn::tensor::Tensor;
use rayon::prelude::*;

/// An update rule with its hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Rule {
    /// `p -= lr g`.
    Sgd,
    /// RMSProp.
    RmsProp(RmsProp),
    /// Adam.
    Adam(Adam),
}

/// `v = alpha v + (1 - alpha) g^2`, `p -= lr g / (sqrt(v) + eps)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct RmsProp {
    pub(super) alpha: f64,
    pub(super) eps: f64,
}

/// `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
/// `p -= lr / (1 - b1^t) m / (sqrt(v / (1 - b2^t)) + eps)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Adam {
    pub(super) beta1: f64,
    pub(super) beta2: f64,
    pub(super) eps: f64,
}

/// The arithmetic an update rule needs, so that one formula serves a whole tensor on any
/// device and one element of a host buffer (the CPU's fused pass).
pub(super) trait Operand:
    Clone + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self>
{
    /// `self * s`.
    fn scale(self, s: f64) -> Self;
    /// `self + s`.
    fn shift(self, s: f64) -> Self;
    /// `sqrt(self)`.
    fn root(self) -> Self;
    /// `self` projected onto `[-c, c]` (unchanged for an infinite `c`).
    fn clamp_to(self, c: f64) -> Self;
}

impl Operand for Tensor<1> {
    fn scale(self, s: f64) -> Self {
        self.mul_scalar(s)
    }
    fn shift(self, s: f64) -> Self {
        self.add_scalar(s)
    }
    fn root(self) -> Self {
        self.sqrt()
    }
    fn clamp_to(self, c: f64) -> Self {
        if c.is_finite() {
            self.clamp(-c, c)
        } else {
            self
        }
    }
}

macro_rules! host_operand {
    ($t:ty) => {
        impl Operand for $t {
            fn scale(self, s: f64) -> Self {
                self * s as $t
            }
            fn shift(self, s: f64) -> Self {
                self + s as $t
            }
            fn root(self) -> Self {
                self.sqrt()
            }
            /// By comparisons, not `clamp`: its bounds assertion keeps the host pass from
            /// vectorising. A NaN stays NaN.
            fn clamp_to(self, c: f64) -> Self {
                let c = c as $t;
                if self < -c {
                    -c
                } else if self > c {
                    c
                } else {
                    self
                }
            }
        }
    };
}
host_operand!(f32);
host_operand!(f64);

/// A parameter's moments: the first for Adam, the second for RMSProp and Adam.
#[derive(Debug)]
pub(super) struct Moments<T> {
    pub(super) first: Option<T>,
    pub(super) second: Option<T>,
}

/// The scalars of one step, shared by every parameter: the learning rate, Adam's bias
/// corrections at this update number, and the clipping bound (infinite without clipping).
#[derive(Debug, Clone, Copy)]
pub(super) struct StepScalars {
    pub(super) lr: f64,
    /// `lr / (1 - beta1^t)`.
    pub(super) first_step: f64,
    /// `1 / sqrt(1 - beta2^t)`.
    pub(super) root_correction: f64,
    pub(super) clip: f64,
}

impl StepScalars {
    pub(super) fn new(rule: Rule, lr: f64, updates: usize, clip: Option<f64>) -> Self {
        let t = i32::try_from(updates).unwrap_or(i32::MAX);
        let (first_step, root_correction) = match rule {
            Rule::Adam(a) => (
                lr / (1.0 - a.beta1.powi(t)),
                1.0 / (1.0 - a.beta2.powi(t)).sqrt(),
            ),
            _ => (lr, 1.0),
        };
        Self {
            lr,
            first_step,
            root_correction,
            clip: clip.unwrap_or(f64::INFINITY),
        }
    }
}

pub(super) fn sgd<T: Operand>(s: &StepScalars, p: T, g: T) -> T {
    (p - g.scale(s.lr)).clamp_to(s.clip)
}

impl RmsProp {
    /// The new parameter and second moment.
    pub(super) fn update<T: Operand>(&self, s: &StepScalars, p: T, g: T, v: T) -> (T, T) {
        let v = v.scale(self.alpha) + (g.clone() * g.clone()).scale(1.0 - self.alpha);
        let p = p - (g / v.clone().root().shift(self.eps)).scale(s.lr);
        (p.clamp_to(s.clip), v)
    }
}

impl Adam {
    /// The new parameter, first and second moments.
    pub(super) fn update<T: Operand>(&self, s: &StepScalars, p: T, g: T, m: T, v: T) -> (T, T, T) {
        let m = m.scale(self.beta1) + g.clone().scale(1.0 - self.beta1);
        let v = v.scale(self.beta2) + (g.clone() * g).scale(1.0 - self.beta2);
        let denom = v.clone().root().scale(s.root_correction).shift(self.eps);
        let p = p - (m.clone() / denom).scale(s.first_step);
        (p.clamp_to(s.clip), m, v)
    }
}

const MOMENTS: &str = "every rule's moments are allocated with it";

/// Elements per task of the host pass, which runs on all cores.
const HOST_CHUNK: usize = 1 << 15;

impl Rule {
    /// The updated flat parameter `p` with gradient `g`, by tensor operations (any device).
    pub(super) fn apply_tensors(
        self,
        s: &StepScalars,
        p: Tensor<1>,
        g: Tensor<1>,
        moments: Moments<Tensor<1>>,
    ) -> (Tensor<1>, Moments<Tensor<1>>) {
        match (self, moments.first, moments.second) {
            (Rule::Sgd, ..) => (
                sgd(s, p, g),
                Moments {
                    first: None,
                    second: None,
                },
            ),
            (Rule::RmsProp(r), _, Some(v)) => {
                let (p, v) = r.update(s, p, g, v);
                (
                    p,
                    Moments {
                        first: None,
                        second: Some(v),
                    },
                )
            }
            (Rule::Adam(a), Some(m), Some(v)) => {
                let (p, m, v) = a.update(s, p, g, m, v);
                (
                    p,
                    Moments {
                        first: Some(m),
                        second: Some(v),
                    },
                )
            }
            _ => unreachable!("{MOMENTS}"),
        }
    }

    /// The same update in place on host buffers, element by element in one pass (one read and
    /// write of each value, where the tensor expression makes a pass per operation), in
    /// chunks on all cores.
    pub(super) fn apply_host<E: Operand + Copy + Send + Sync>(
        self,
        s: &StepScalars,
        p: &mut [E],
        g: &[E],
        moments: Moments<&mut [E]>,
    ) {
        let p = p.par_chunks_mut(HOST_CHUNK).zip(g.par_chunks(HOST_CHUNK));
        match (self, moments.first, moments.second) {
            (Rule::Sgd, ..) => p.for_each(|(p, g)| {
                for (p, g) in p.iter_mut().zip(g) {
                    *p = sgd(s, *p, *g);
                }
            }),
            (Rule::RmsProp(r), _, Some(v)) => {
                p.zip(v.par_chunks_mut(HOST_CHUNK)).for_each(|((p, g), v)| {
                    for ((p, g), v) in p.iter_mut().zip(g).zip(v) {
                        (*p, *v) = r.update(s, *p, *g, *v);
                    }
                })
            }
            (Rule::Adam(a), Some(m), Some(v)) => {
                let moments = m
                    .par_chunks_mut(HOST_CHUNK)
                    .zip(v.par_chunks_mut(HOST_CHUNK));
                p.zip(moments).for_each(|((p, g), (m, v))| {
                    for ((p, g), (m, v)) in p.iter_mut().zip(g).zip(m.iter_mut().zip(v)) {
                        (*p, *m, *v) = a.update(s, *p, *g, *m, *v);
                    }
                });
            }
            _ => unreachable!("{MOMENTS}"),
        }
    }
}
