//! The geometry of a job's "records over time" chart: snapshots to points in an SVG view box.
//! Pure arithmetic; [`super::page`] draws the SVG from it.
//!
//! The x axis is time (the first snapshot at the left edge, the last at the right; a single
//! snapshot, or all at one instant, sit in the middle); the y axis starts at 0 records, so a
//! drop from 1,000 users to 10 looks like one.

use super::history::Point;

/// The view box's width, in SVG user units.
pub(crate) const WIDTH: f64 = 640.0;
/// The view box's height.
pub(crate) const HEIGHT: f64 = 160.0;
/// Room left around the plot for the axis labels.
const PAD: f64 = 24.0;

/// One snapshot placed in the view box.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Dot {
    /// Horizontal position, `PAD..=WIDTH - PAD`.
    pub x: f64,
    /// Vertical position, `PAD..=HEIGHT - PAD` (SVG's y grows downwards).
    pub y: f64,
}

/// The chart of `points` (oldest first): one dot per point, and the largest count (the top of
/// the y axis).
pub(crate) fn layout(points: &[Point]) -> (Vec<Dot>, u64) {
    let top = points.iter().map(|p| p.records).max().unwrap_or(0);
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return (Vec::new(), top);
    };
    let span = (last.at.as_millisecond() - first.at.as_millisecond()) as f64;
    let (plot_w, plot_h) = (WIDTH - 2.0 * PAD, HEIGHT - 2.0 * PAD);
    let dots = points
        .iter()
        .map(|point| {
            let x = if span > 0.0 {
                PAD + plot_w * (point.at.as_millisecond() - first.at.as_millisecond()) as f64 / span
            } else {
                WIDTH / 2.0
            };
            let share = if top > 0 {
                point.records as f64 / top as f64
            } else {
                0.0
            };
            Dot {
                x: round(x),
                y: round(HEIGHT - PAD - plot_h * share),
            }
        })
        .collect();
    (dots, top)
}

/// The `points` attribute of a polyline through `dots`.
pub(crate) fn polyline(dots: &[Dot]) -> String {
    dots.iter()
        .map(|dot| format!("{},{}", dot.x, dot.y))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Two decimals are plenty on a 640-unit canvas and keep the page small.
fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The y of the plot's bottom (0 records) and top (the largest count).
pub(crate) fn axis() -> (f64, f64) {
    (HEIGHT - PAD, PAD)
}

/// The left and right edges of the plot.
pub(crate) fn edges() -> (f64, f64) {
    (PAD, WIDTH - PAD)
}
