//! Metric-against-time plots, linear or log y axis.

use plotters::prelude::*;

use super::{Figure, plot_err, range};
use crate::Result;

/// One curve of a line plot.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// `(x, y)` points.
    pub points: Vec<(f64, f64)>,
    /// Draw dashed (for references and closed forms).
    pub dashed: bool,
}

impl Series {
    /// A solid curve.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
            dashed: false,
        }
    }

    /// A dashed reference curve.
    pub fn reference(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            dashed: true,
            ..Self::new(name, points)
        }
    }
}

/// Ten distinguishable line colours (the "tab10" cycle matplotlib users know), so an overlay
/// of up to ten variants never repeats a colour.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// A tick label: plain with at most 4 significant digits in [1e-2, 1e4), scientific otherwise
/// (plotters' default prints log-axis ticks with float noise); below 1e-15, round-off of a
/// zero tick, "0".
fn tick(v: &f64) -> String {
    let a = v.abs();
    if a < 1e-15 {
        "0".into()
    } else if (1e-2..1e4).contains(&a) {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.1e}")
    }
}

/// Draws `series` against a shared x axis; `log_y` uses a log scale (non-positive values are
/// dropped).
///
/// # Errors
/// [`crate::LogError::Plot`].
pub fn line_plot(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_y: bool,
) -> Result<Figure> {
    // A log axis only pays off over more than a decade (plotters labels no ticks otherwise).
    let positive = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .filter(|y| y.is_finite() && *y > 0.0);
    let (lo, hi) = positive.fold((f64::INFINITY, 0.0f64), |(a, b), y| (a.min(y), b.max(y)));
    let log_y = log_y && hi > 10.0 * lo;
    let keep = |y: f64| y.is_finite() && (!log_y || y > 0.0);
    let (x0, x1) = range(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let (mut y0, y1) = range(
        series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1).filter(|y| keep(*y))),
    );
    let err = plot_err(title);
    Figure::draw(title, (800, 520), |root| {
        let mut builder = ChartBuilder::on(root);
        builder
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(80);
        macro_rules! draw_all {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc(x_label)
                    .y_desc(y_label)
                    .y_label_formatter(&tick)
                    .label_style(("sans-serif", 14))
                    .draw()
                    .map_err(&err)?;
                for (i, s) in series.iter().enumerate() {
                    let color = PALETTE[i % PALETTE.len()];
                    let pts: Vec<(f64, f64)> =
                        s.points.iter().copied().filter(|p| keep(p.1)).collect();
                    let style = ShapeStyle::from(&color).stroke_width(2);
                    // A second cycle through the palette is dashed.
                    if s.dashed || i >= PALETTE.len() {
                        chart
                            .draw_series(DashedLineSeries::new(pts, 8, 5, style))
                            .map_err(&err)?
                    } else {
                        chart
                            .draw_series(LineSeries::new(pts, style))
                            .map_err(&err)?
                    }
                    .label(s.name.clone())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
                }
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .label_font(("sans-serif", 14))
                    .draw()
                    .map_err(&err)?;
            }};
        }
        if log_y {
            // Ignore isolated near-zero outliers (round-off): start at the 1st percentile.
            let mut positive: Vec<f64> = series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1))
                .filter(|y| y.is_finite() && *y > 0.0)
                .collect();
            positive.sort_by(f64::total_cmp);
            let low = positive.get(positive.len() / 100).copied().unwrap_or(y0);
            y0 = y0.max(0.5 * low).max(y1 * 1e-12);
            draw_all!(
                builder
                    .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
                    .map_err(&err)?
            );
        } else {
            draw_all!(builder.build_cartesian_2d(x0..x1, y0..y1).map_err(&err)?);
        }
        Ok(())
    })
}
