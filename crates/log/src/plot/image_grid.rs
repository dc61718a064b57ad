//! A grid of small images (generated samples of image data).

use super::Figure;

/// Up to `columns x columns` images with pixels in [-1, 1] (channels first, `[c, h, w]`),
/// each enlarged `zoom` times, separated by a one-pixel grey line.
pub fn image_grid(pixels: &[f64], shape: [usize; 3], columns: usize, zoom: usize) -> Figure {
    let [c, h, w] = shape;
    let size = c * h * w;
    let count = (pixels.len() / size.max(1)).min(columns * columns);
    let rows = count.div_ceil(columns).max(1);
    let (cw, ch) = (w * zoom + 1, h * zoom + 1);
    let (width, height) = (columns * cw + 1, rows * ch + 1);
    let mut rgb = vec![128u8; width * height * 3];
    let byte = |v: f64| ((v.clamp(-1.0, 1.0) + 1.0) * 127.5).round() as u8;
    for k in 0..count {
        let image = &pixels[k * size..(k + 1) * size];
        let (x0, y0) = ((k % columns) * cw + 1, (k / columns) * ch + 1);
        for y in 0..h * zoom {
            for x in 0..w * zoom {
                let p = (y / zoom) * w + x / zoom;
                let at = ((y0 + y) * width + x0 + x) * 3;
                for ch_out in 0..3 {
                    let channel = if c == 3 { ch_out } else { 0 };
                    rgb[at + ch_out] = byte(image[channel * h * w + p]);
                }
            }
        }
    }
    Figure {
        width: width as u32,
        height: height as u32,
        rgb,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_land_in_their_cells() {
        // Two 2 x 2 grey images: all black, all white; zoom 3, two columns.
        let pixels = [vec![-1.0; 4], vec![1.0; 4]].concat();
        let f = image_grid(&pixels, [1, 2, 2], 2, 3);
        assert_eq!((f.width, f.height), (2 * 7 + 1, 7 + 1));
        let at = |x: usize, y: usize| f.rgb[(y * f.width as usize + x) * 3];
        assert_eq!(
            (at(0, 0), at(1, 1), at(6, 6), at(7, 1), at(8, 1)),
            (128, 0, 0, 128, 255)
        );
    }
}
