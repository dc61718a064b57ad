//! The bucketing of a set of values into a TensorBoard histogram.

/// Bucketed summary of a set of values, as TensorBoard stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Count.
    pub num: f64,
    /// Sum.
    pub sum: f64,
    /// Sum of squares.
    pub sum_squares: f64,
    /// Upper edge of each bucket.
    pub bucket_limits: Vec<f64>,
    /// Count per bucket.
    pub bucket_counts: Vec<f64>,
}

impl Histogram {
    /// Buckets finite `values` into `bins` equal-width bins (`None` when there is none).
    pub fn new(values: &[f64], bins: usize) -> Option<Self> {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if finite.is_empty() || bins == 0 {
            return None;
        }
        let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let width = ((max - min) / bins as f64).max(1e-12);
        let mut counts = vec![0.0; bins];
        for v in &finite {
            counts[(((v - min) / width) as usize).min(bins - 1)] += 1.0;
        }
        Some(Self {
            min,
            max,
            num: finite.len() as f64,
            sum: finite.iter().sum(),
            sum_squares: finite.iter().map(|v| v * v).sum(),
            bucket_limits: (1..=bins).map(|k| min + k as f64 * width).collect(),
            bucket_counts: counts,
        })
    }
}
