//! The embedded font (DejaVu Sans; licence in `assets/DejaVuSans-LICENSE.txt`).

use std::sync::Once;

use plotters::style::FontStyle;

static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Registers the font as "sans-serif" once per process.
pub fn ensure_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, DEJAVU_SANS)
            .unwrap_or_else(|_| unreachable!("the embedded font is a valid TTF"));
    });
}
