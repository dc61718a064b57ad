//! Regions of space (obstacles, quicksand): balls and convex sets given by half-spaces
//! (axis boxes, convex polygons). Each knows its depth `depth(x)` (> 0 inside: the distance
//! to the boundary; < 0 outside) and the largest depth along a segment, in f64 on the host
//! and as a differentiable tensor expression.

use crate::config::RegionConfig;
use burn::tensor::{Int, Tensor, TensorData};
use meanfield_core::{CoreError, Result, tensor_from};

/// A ball or a convex intersection of half-spaces `n_f . x < b_f` (unit outward normals).
#[derive(Debug, Clone, PartialEq)]
pub enum Region {
    /// `|x - center| < radius`.
    Ball {
        /// Centre.
        center: Vec<f64>,
        /// Radius.
        radius: f64,
    },
    /// `n_f . x < b_f` for every face f.
    Convex {
        /// Unit outward normals, one per face.
        normals: Vec<Vec<f64>>,
        /// Offsets `b_f`.
        offsets: Vec<f64>,
        /// The vertices in counter-clockwise order (2-D only; empty otherwise).
        outline: Vec<[f64; 2]>,
    },
}

impl Region {
    /// Builds a region from its config; `key` names it in errors.
    ///
    /// # Errors
    /// [`CoreError::Config`] for a degenerate or non-convex polygon.
    pub fn from_config(config: &RegionConfig, key: &str) -> Result<Self> {
        Ok(match config {
            RegionConfig::Disk { center, radius } => Self::Ball {
                center: center.clone(),
                radius: *radius,
            },
            RegionConfig::Box { lo, hi } => {
                let d = lo.len();
                let mut normals = Vec::new();
                let mut offsets = Vec::new();
                for k in 0..d {
                    let mut n = vec![0.0; d];
                    n[k] = -1.0;
                    normals.push(n.clone());
                    offsets.push(-lo[k]);
                    n[k] = 1.0;
                    normals.push(n);
                    offsets.push(hi[k]);
                }
                let outline = if d == 2 {
                    vec![
                        [lo[0], lo[1]],
                        [hi[0], lo[1]],
                        [hi[0], hi[1]],
                        [lo[0], hi[1]],
                    ]
                } else {
                    Vec::new()
                };
                Self::Convex {
                    normals,
                    offsets,
                    outline,
                }
            }
            RegionConfig::Polygon { vertices } => {
                let v: Vec<[f64; 2]> = vertices.iter().map(|p| [p[0], p[1]]).collect();
                convex_polygon(v, key)?
            }
        })
    }

    /// Signed depth of `x`: the distance to the boundary inside, negative outside.
    pub fn depth(&self, x: &[f64]) -> f64 {
        match self {
            Self::Ball { center, radius } => {
                radius - meanfield_core::squared_distance(x, center).sqrt()
            }
            Self::Convex {
                normals, offsets, ..
            } => normals
                .iter()
                .zip(offsets)
                .map(|(n, b)| b - dot(n, x))
                .fold(f64::INFINITY, f64::min),
        }
    }

    /// The largest depth along the segment `[a, b]`: positive iff the segment enters the
    /// region, however thin the region and however long the segment.
    pub fn segment_depth(&self, a: &[f64], b: &[f64]) -> f64 {
        match self {
            Self::Ball { center, radius } => {
                let ab: Vec<f64> = b.iter().zip(a).map(|(u, v)| u - v).collect();
                let ac: Vec<f64> = center.iter().zip(a).map(|(u, v)| u - v).collect();
                let s = (dot(&ac, &ab) / dot(&ab, &ab).max(1e-300)).clamp(0.0, 1.0);
                let p: Vec<f64> = a.iter().zip(&ab).map(|(u, v)| u + s * v).collect();
                radius - meanfield_core::squared_distance(&p, center).sqrt()
            }
            Self::Convex {
                normals, offsets, ..
            } => {
                // Face f is alpha_f + s beta_f along the segment; the minimum over faces is
                // concave and piecewise linear in s, so its maximum on [0, 1] sits at an end
                // or where two faces cross.
                let alpha: Vec<f64> = normals
                    .iter()
                    .zip(offsets)
                    .map(|(n, o)| o - dot(n, a))
                    .collect();
                let beta: Vec<f64> = normals.iter().map(|n| dot(n, a) - dot(n, b)).collect();
                let at = |s: f64| {
                    alpha
                        .iter()
                        .zip(&beta)
                        .map(|(p, q)| p + s * q)
                        .fold(f64::INFINITY, f64::min)
                };
                let mut best = at(0.0).max(at(1.0));
                for f in 0..alpha.len() {
                    for g in f + 1..alpha.len() {
                        let den = beta[f] - beta[g];
                        if den.abs() > 1e-300 {
                            let s = ((alpha[g] - alpha[f]) / den).clamp(0.0, 1.0);
                            best = best.max(at(s));
                        }
                    }
                }
                best
            }
        }
    }

    /// Signed depth of every row of `x: [n, d]` -> `[n]`, differentiable.
    pub fn depth_tensor(&self, x: Tensor<2>) -> Tensor<1> {
        match self {
            Self::Ball { center, radius } => {
                let c = row(center, &x.device());
                let r2 = (x - c).square().sum_dim(1).squeeze_dim::<1>(1);
                r2.add_scalar(1e-30).sqrt().neg().add_scalar(*radius)
            }
            Self::Convex { .. } => {
                let (n, b) = self.faces(&x.device());
                let g = b - x.matmul(n.transpose());
                g.min_dim(1).squeeze_dim::<1>(1)
            }
        }
    }

    /// The largest depth along each segment `[a_s, b_s]` (`a, b: [s, d]` -> `[s]`),
    /// differentiable (the gradient is that of the depth at the maximiser).
    pub fn segment_depth_tensor(&self, a: Tensor<2>, b: Tensor<2>) -> Tensor<1> {
        match self {
            Self::Ball { center, .. } => {
                let c = row(center, &a.device());
                let ab = b - a.clone();
                let ac = c - a.clone();
                let len2 = ab.clone().square().sum_dim(1).add_scalar(1e-300);
                let s = ((ac * ab.clone()).sum_dim(1) / len2).clamp(0.0, 1.0);
                self.depth_tensor(a + ab * s)
            }
            Self::Convex { offsets, .. } => {
                let device = a.device();
                let (n, b_off) = self.faces(&device);
                let nt = n.transpose();
                let na = a.matmul(nt.clone());
                let alpha = b_off - na.clone();
                let beta = na - b.matmul(nt);
                let faces = offsets.len();
                let (fs, gs): (Vec<i64>, Vec<i64>) = (0..faces)
                    .flat_map(|f| (f + 1..faces).map(move |g| (f as i64, g as i64)))
                    .unzip();
                let pick = |idx: Vec<i64>| {
                    let len = idx.len();
                    Tensor::<1, Int>::from_data(TensorData::new(idx, [len]), &device)
                };
                let (fi, gi) = (pick(fs), pick(gs));
                let num = alpha.clone().select(1, gi.clone()) - alpha.clone().select(1, fi.clone());
                let den = beta.clone().select(1, fi) - beta.clone().select(1, gi);
                // num / den, smoothly 0 where the two faces are parallel to the segment.
                let crossing =
                    (num * den.clone() / (den.square().add_scalar(1e-24))).clamp(0.0, 1.0);
                let [segments, _] = alpha.dims();
                let ends = tensor_from::<2>([0.0, 1.0].repeat(segments), [segments, 2], &device);
                let s = Tensor::cat(vec![ends, crossing], 1);
                let along = alpha.unsqueeze_dim::<3>(1)
                    + s.unsqueeze_dim::<3>(2) * beta.unsqueeze_dim::<3>(1);
                along
                    .min_dim(2)
                    .squeeze_dim::<2>(2)
                    .max_dim(1)
                    .squeeze_dim::<1>(1)
            }
        }
    }

    /// A closed outline for figures and visibility graphs (2-D): the polygon itself, or for a
    /// ball a circumscribed regular polygon with `sides` sides (it contains the disk).
    pub fn outline(&self, sides: usize) -> Vec<[f64; 2]> {
        match self {
            Self::Ball { center, radius } => {
                let r = radius / (std::f64::consts::PI / sides as f64).cos();
                (0..sides)
                    .map(|k| {
                        let a = 2.0 * std::f64::consts::PI * k as f64 / sides as f64;
                        [center[0] + r * a.cos(), center[1] + r * a.sin()]
                    })
                    .collect()
            }
            Self::Convex { outline, .. } => outline.clone(),
        }
    }

    fn faces(&self, device: &burn::tensor::Device) -> (Tensor<2>, Tensor<2>) {
        let Self::Convex {
            normals, offsets, ..
        } = self
        else {
            unreachable!("faces of a convex region only")
        };
        let d = normals[0].len();
        let f = normals.len();
        (
            tensor_from::<2>(normals.concat(), [f, d], device),
            tensor_from::<2>(offsets.clone(), [1, f], device),
        )
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(u, v)| u * v).sum()
}

fn row(v: &[f64], device: &burn::tensor::Device) -> Tensor<2> {
    tensor_from::<2>(v.to_vec(), [1, v.len()], device)
}

/// The half-spaces of a convex polygon; errors for fewer than 3 distinct vertices, zero area
/// or a reflex corner.
fn convex_polygon(mut v: Vec<[f64; 2]>, key: &str) -> Result<Region> {
    let area: f64 = (0..v.len())
        .map(|i| {
            let (p, q) = (v[i], v[(i + 1) % v.len()]);
            p[0] * q[1] - q[0] * p[1]
        })
        .sum::<f64>()
        / 2.0;
    if area.abs() < 1e-14 {
        return Err(CoreError::config(
            format!("{key}.vertices"),
            "the polygon has zero area",
        ));
    }
    if area < 0.0 {
        v.reverse();
    }
    let k = v.len();
    let mut normals = Vec::new();
    let mut offsets = Vec::new();
    for i in 0..k {
        let (p, q, r) = (v[i], v[(i + 1) % k], v[(i + 2) % k]);
        let cross = (q[0] - p[0]) * (r[1] - q[1]) - (q[1] - p[1]) * (r[0] - q[0]);
        if cross < -1e-12 {
            return Err(CoreError::config(
                format!("{key}.vertices"),
                format!(
                    "the polygon is not convex at vertex {} (split it into convex pieces)",
                    (i + 1) % k
                ),
            ));
        }
        let (ex, ey) = (q[0] - p[0], q[1] - p[1]);
        let len = (ex * ex + ey * ey).sqrt();
        if len < 1e-14 {
            return Err(CoreError::config(
                format!("{key}.vertices"),
                format!("vertices {i} and {} coincide", (i + 1) % k),
            ));
        }
        // Counter-clockwise: the outward normal is the edge turned clockwise.
        let n = vec![ey / len, -ex / len];
        offsets.push(n[0] * p[0] + n[1] * p[1]);
        normals.push(n);
    }
    Ok(Region::Convex {
        normals,
        offsets,
        outline: v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use meanfield_core::{cpu_device, host_vec};

    fn polygon() -> Region {
        Region::from_config(
            &RegionConfig::Polygon {
                vertices: vec![
                    vec![0.0, 0.0],
                    vec![0.0, 1.0],
                    vec![1.0, 1.0],
                    vec![1.0, 0.0],
                ],
            },
            "p",
        )
        .unwrap()
    }

    #[test]
    fn thin_obstacle_is_seen_by_a_long_segment() {
        let wall = Region::from_config(
            &RegionConfig::Box {
                lo: vec![0.49, -1.0],
                hi: vec![0.51, 1.0],
            },
            "w",
        )
        .unwrap();
        // Both ends far outside, the segment crosses the wall: depth = half the thickness.
        let d = wall.segment_depth(&[0.0, 0.0], &[1.0, 0.0]);
        assert!((d - 0.01).abs() < 1e-12, "{d}");
        assert!(wall.segment_depth(&[0.0, 2.0], &[1.0, 2.0]) < 0.0);
        let disk = Region::Ball {
            center: vec![0.5, 0.0],
            radius: 0.1,
        };
        let d = disk.segment_depth(&[0.0, 0.05], &[1.0, 0.05]);
        assert!((d - 0.05).abs() < 1e-12, "{d}");
    }

    #[test]
    fn depth_inside_a_polygon_is_the_distance_to_the_boundary() {
        let p = polygon();
        assert!((p.depth(&[0.3, 0.5]) - 0.3).abs() < 1e-12);
        assert!(p.depth(&[1.5, 0.5]) < 0.0);
        let bad = Region::from_config(
            &RegionConfig::Polygon {
                vertices: vec![
                    vec![0.0, 0.0],
                    vec![1.0, 0.0],
                    vec![0.2, 0.2],
                    vec![0.0, 1.0],
                ],
            },
            "transport.obstacles[0]",
        )
        .unwrap_err()
        .to_string();
        assert!(bad.contains("not convex"), "{bad}");
    }

    #[test]
    fn tensor_segment_depth_matches_host_and_differences() {
        let device = cpu_device();
        let regions = [
            polygon(),
            Region::Ball {
                center: vec![0.4, 0.6],
                radius: 0.3,
            },
        ];
        let segs = [
            ([-0.5, 0.3], [1.4, 0.45]),
            ([0.2, -0.4], [0.7, 1.3]),
            ([0.2, 0.3], [0.6, 0.55]),
            ([2.0, 2.3], [3.0, 2.6]),
        ];
        for region in &regions {
            let a: Vec<f64> = segs.iter().flat_map(|s| s.0).collect();
            let b: Vec<f64> = segs.iter().flat_map(|s| s.1).collect();
            let at = tensor_from::<2>(a.clone(), [4, 2], &device.clone().autodiff()).require_grad();
            let bt = tensor_from::<2>(b.clone(), [4, 2], &device.clone().autodiff());
            let depth = region.segment_depth_tensor(at.clone(), bt);
            let values = host_vec(depth.clone().without_autodiff());
            let grads = depth.sum().backward();
            let ga = host_vec(at.grad(&grads).unwrap());
            for (i, s) in segs.iter().enumerate() {
                let host = region.segment_depth(&s.0, &s.1);
                assert!(
                    (values[i] - host).abs() < 1e-9,
                    "{i}: {} vs {host}",
                    values[i]
                );
                for k in 0..2 {
                    let h = 1e-6;
                    let mut p = s.0;
                    p[k] += h;
                    let mut m = s.0;
                    m[k] -= h;
                    let fd = (region.segment_depth(&p, &s.1) - region.segment_depth(&m, &s.1))
                        / (2.0 * h);
                    assert!(
                        (ga[2 * i + k] - fd).abs() < 1e-5,
                        "{i},{k}: {} vs {fd}",
                        ga[2 * i + k]
                    );
                }
            }
        }
    }
}
