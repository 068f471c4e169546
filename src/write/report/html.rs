//! `report.html`: one self-contained page for the people who sign off a
//! merge — what matched, how strongly, and what looks wrong.
//!
//! The page is plain HTML with inline CSS and inline SVG charts: no script,
//! no font, no image is fetched, so it opens offline and a Content Security
//! Policy of `default-src 'none'` forbids any fetch a later edit might add.
//! Charts are drawn by the small helpers below instead of the `plotters`
//! crate: plotters lays out text with font metrics, which needs either
//! font-kit with the system fontconfig (`ttf`) or a TTF file we would have to
//! bundle (`ab_glyph`); here the browser lays out the text itself.
//!
//! [`render`] is a pure function of [`ReportData`], which holds only
//! aggregated numbers and ids, so the same run writes the same bytes at any
//! thread count — except the `#timings` section (stage seconds, peak memory,
//! threads), which measures the run itself, as `summary.json` does. Every
//! string from the data (record ids, rule names, file names) is HTML-escaped.

use std::fmt::Write as _;

use crate::block::RuleStats;

/// Largest clusters listed in the table.
pub const TOP_CLUSTERS: usize = 20;
/// Member ids listed per large cluster; the rest are counted.
pub const MAX_MEMBERS: usize = 50;
/// Provinces in the flags-by-province chart.
pub const TOP_PROVINCES: usize = 15;
/// Conflict rows listed (the strongest first).
pub const MAX_CONFLICTS: usize = 100;
/// Narrowest histogram bin, in match-weight units (log2 Bayes factor).
pub const BIN_WIDTH: f64 = 0.5;
/// Most histogram bins; a wider weight range doubles the bin width.
pub const MAX_BINS: usize = 160;

/// Everything the page shows, already aggregated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportData {
    /// `dedupe`, `link` or `update`.
    pub mode: String,
    /// `update` only: records added, changed, deleted and unchanged since
    /// the previous run (shown as cards; empty for other modes).
    pub changes: Vec<(String, u64)>,
    /// Input file names (no directories).
    pub inputs: Vec<String>,
    pub records_per_input: Vec<u64>,
    /// The program version that wrote the report.
    pub version: String,
    /// The run's reference date (`--as-of`), YYYY-MM-DD.
    pub as_of: String,
    pub records: u64,
    pub candidate_pairs: u64,
    pub pairs_written: u64,
    pub matching_pairs: u64,
    pub clusters: u64,
    pub clusters_with_duplicates: u64,
    pub largest_cluster: u64,
    /// Match probability at which pairs link.
    pub threshold: f64,
    /// The same threshold as a match weight.
    pub threshold_weight: f64,
    /// Match weights of the written pairs.
    pub weights: Histogram,
    /// Cluster size → number of clusters of that size, ascending by size.
    pub cluster_sizes: Vec<(u64, u64)>,
    pub rules: Vec<RuleRow>,
    /// Stage name → seconds, in run order.
    pub stage_seconds: Vec<(String, f64)>,
    pub total_seconds: f64,
    pub peak_rss_bytes: Option<u64>,
    pub threads: usize,
    /// The largest clusters, largest first (at most [`TOP_CLUSTERS`]).
    pub largest_clusters: Vec<ClusterRow>,
    /// Flag kind → count.
    pub flags_by_kind: Vec<(String, u64)>,
    /// Province → (flag kind → count).
    pub flags_by_province: Vec<(String, Vec<(String, u64)>)>,
    /// The strongest conflicts, strongest first.
    pub conflicts: Vec<ConflictRow>,
    /// Normalized values of the records in the tables, by record id; only
    /// with `--show-values`.
    pub values: Option<Vec<(String, RecordValues)>>,
}

/// One blocking rule's contribution.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleRow {
    pub rule: String,
    /// Candidate pairs no earlier rule found.
    pub new_pairs: u64,
    pub pairs_in_blocks: u64,
    pub oversized_blocks: u64,
    pub oversized_records: u64,
}

impl From<&RuleStats> for RuleRow {
    fn from(s: &RuleStats) -> RuleRow {
        RuleRow {
            rule: s.rule.clone(),
            new_pairs: s.new_pairs,
            pairs_in_blocks: s.pairs_in_blocks,
            oversized_blocks: s.oversized_blocks,
            oversized_records: s.oversized_records,
        }
    }
}

/// One of the largest clusters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterRow {
    pub cluster_id: String,
    pub size: u64,
    /// Member record ids, at most [`MAX_MEMBERS`], sorted.
    pub members: Vec<String>,
}

/// A conflict flag about records that matched or were cut apart.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConflictRow {
    pub kind: String,
    pub record_ids: Vec<String>,
    /// The match weight of the pair, when the conflict is about a pair.
    pub weight: Option<f64>,
    pub detail: String,
}

/// What `--show-values` shows of a record (normalized forms).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordValues {
    pub name: String,
    pub date_of_birth: String,
    pub province: String,
}

/// Counts of match weights in fixed-width bins. Bin `i` holds weights `w`
/// with `floor(w / bin_width) == first + i`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Histogram {
    pub bin_width: f64,
    /// Index of the first bin: its lower edge is `first * bin_width`.
    pub first: i64,
    pub counts: Vec<u64>,
}

impl Histogram {
    /// Bins `weights` (non-finite ones are skipped); the bins always reach
    /// `include` (the threshold) so its line falls on the chart. Bins are
    /// [`BIN_WIDTH`] wide, doubled until at most [`MAX_BINS`] cover the range.
    pub fn from_weights(weights: impl Iterator<Item = f64> + Clone, include: f64) -> Histogram {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut any = false;
        for w in weights.clone().filter(|w| w.is_finite()) {
            lo = lo.min(w);
            hi = hi.max(w);
            any = true;
        }
        if !any {
            return Histogram {
                bin_width: BIN_WIDTH,
                first: 0,
                counts: Vec::new(),
            };
        }
        if include.is_finite() {
            lo = lo.min(include);
            hi = hi.max(include);
        }
        let mut width = BIN_WIDTH;
        // Weights are sums of a few dozen log2 ratios: a range beyond 2^40
        // bins cannot occur, but a corrupt model must not loop or allocate.
        while ((hi / width).floor() - (lo / width).floor()) as usize >= MAX_BINS && width < 1e12 {
            width *= 2.0;
        }
        let first = (lo / width).floor() as i64;
        let last = (hi / width).floor() as i64;
        let mut counts = vec![0u64; (last - first + 1).clamp(1, MAX_BINS as i64) as usize];
        for w in weights.filter(|w| w.is_finite()) {
            let i = ((w / width).floor() as i64 - first).clamp(0, counts.len() as i64 - 1);
            counts[i as usize] += 1;
        }
        Histogram {
            bin_width: width,
            first,
            counts,
        }
    }

    /// Lower edge of bin `i`.
    pub fn edge(&self, i: usize) -> f64 {
        (self.first + i as i64) as f64 * self.bin_width
    }
}

/// Cluster size → number of clusters, from one size per cluster.
pub fn size_distribution(sizes: impl Iterator<Item = u64>) -> Vec<(u64, u64)> {
    let mut m = std::collections::BTreeMap::new();
    for s in sizes {
        *m.entry(s).or_insert(0u64) += 1;
    }
    m.into_iter().collect()
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in HTML text; show them.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// 1234567 → "1,234,567".
fn int(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn bytes(n: u64) -> String {
    let mib = n as f64 / (1024.0 * 1024.0);
    if mib >= 1024.0 {
        format!("{:.2} GiB", mib / 1024.0)
    } else {
        format!("{mib:.0} MiB")
    }
}

/// Twelve distinguishable colours: the flag kinds of issue 5 fit without repeats.
const PALETTE: [&str; 12] = [
    "#3b6fb6", "#e0823d", "#4a9d5b", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#6f7f8f",
    "#b5a63a", "#3aa7b5", "#1f3f6e", "#f2b880",
];

/// The SVG canvas: a fixed coordinate system scaled to the page width.
const W: f64 = 900.0;

/// A "nice" axis step (1, 2 or 5 × 10^k) giving about five ticks up to `max`.
fn nice_step(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let n = raw / mag;
    let f = if n <= 1.0 {
        1.0
    } else if n <= 2.0 {
        2.0
    } else if n <= 5.0 {
        5.0
    } else {
        10.0
    };
    (f * mag).max(1.0)
}

/// A vertical bar chart; bars are counts, the y axis linear or log(1 + n).
struct Columns<'a> {
    id: &'a str,
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    /// (key for `data-x`, x-axis label or "" for none, count, tooltip)
    bars: Vec<(String, String, u64, String)>,
    log_y: bool,
    /// A vertical line at this position in bar units (0 = left edge of the
    /// first bar), with its label.
    marker: Option<(f64, String)>,
}

impl Columns<'_> {
    /// The chart as one `<svg>` element: grid, bars, marker, axes.
    fn svg(&self) -> String {
        let g = ColumnsFrame::new(self.bars.len());
        let max = self.bars.iter().map(|b| b.2).max().unwrap_or(0) as f64;
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg id="{id}" class="chart" viewBox="0 0 {W} {h}" role="img" aria-label="{t}"><title>{t}</title>"#,
            h = g.h,
            id = escape(self.id),
            t = escape(self.title)
        );
        let scale = if self.log_y {
            YScale::log(max)
        } else {
            YScale::linear(max)
        };
        g.write_grid(&mut s, &scale);
        for (i, bar) in self.bars.iter().enumerate() {
            self.write_bar(&mut s, &g, &scale, i, bar);
        }
        if let Some((pos, label)) = &self.marker {
            g.write_marker(&mut s, *pos, label);
        }
        let (left, top, ph) = (g.left, g.top, g.ph);
        let _ = write!(
            s,
            r#"<line class="axis" x1="{left}" y1="{yb}" x2="{x2}" y2="{yb}"/><line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{yb}"/><text class="label" x="{cx}" y="{ly}" text-anchor="middle">{xl}</text><text class="label" transform="translate(18,{cy}) rotate(-90)" text-anchor="middle">{yl}</text></svg>"#,
            yb = top + ph,
            x2 = W - g.right,
            cx = left + g.pw / 2.0,
            ly = g.h - 14.0,
            cy = top + ph / 2.0,
            xl = escape(self.x_label),
            yl = escape(self.y_label)
        );
        s
    }

    /// Bar `i`: its rectangle, its count above it when there is room, and
    /// its x-axis label.
    fn write_bar(
        &self,
        s: &mut String,
        g: &ColumnsFrame,
        scale: &YScale,
        i: usize,
        (key, label, v, tip): &(String, String, u64, String),
    ) {
        let (top, ph, bw) = (g.top, g.ph, g.bw);
        let bh = scale.of(*v as f64) * ph;
        let x = g.left + i as f64 * bw;
        let y = top + ph - bh;
        let gap = if bw > 6.0 { 1.0 } else { 0.0 };
        let _ = write!(
            s,
            r#"<rect class="bar" data-x="{l}" data-value="{v}" x="{x:.2}" y="{y:.2}" width="{w:.2}" height="{bh:.2}" fill="{c}"><title>{tip}</title></rect>"#,
            l = escape(key),
            w = (bw - gap).max(0.5),
            // Bins wholly below the threshold do not link: grey.
            c = match &self.marker {
                Some((pos, _)) if (i + 1) as f64 <= *pos => "#a7b1ba",
                _ => PALETTE[0],
            },
            tip = escape(tip)
        );
        if *v > 0 && bw >= 30.0 {
            let _ = write!(
                s,
                r#"<text class="num" x="{cx:.1}" y="{ty:.1}" text-anchor="middle">{n}</text>"#,
                cx = x + bw / 2.0,
                ty = y - 4.0,
                n = int(*v)
            );
        } else if *v > 0 && bw >= 9.0 {
            let (cx, ty) = (x + bw / 2.0 + 3.0, y - 3.0);
            let _ = write!(
                s,
                r#"<text class="num small" transform="translate({cx:.1},{ty:.1}) rotate(-90)">{n}</text>"#,
                n = int(*v)
            );
        }
        if !label.is_empty() {
            let _ = write!(
                s,
                r#"<text class="tick" x="{cx:.1}" y="{ty}" text-anchor="middle">{l}</text>"#,
                // A chart with a marker has a continuous x axis: labels
                // name bin edges; otherwise they name the bar.
                cx = if self.marker.is_some() {
                    x
                } else {
                    x + bw / 2.0
                },
                ty = top + ph + 16.0,
                l = escape(label)
            );
        }
    }
}

/// The geometry of a [`Columns`] chart: margins, plot area and bar width.
struct ColumnsFrame {
    left: f64,
    right: f64,
    top: f64,
    /// Height of the whole chart.
    h: f64,
    /// Width and height of the plot area.
    pw: f64,
    ph: f64,
    /// Width of one bar.
    bw: f64,
}

impl ColumnsFrame {
    /// The frame of a chart of `bars` bars.
    fn new(bars: usize) -> ColumnsFrame {
        let (left, right, top, bottom) = (78.0, 20.0, 34.0, 62.0);
        let h = 330.0;
        let pw = W - left - right;
        let ph = h - top - bottom;
        let n = bars.max(1) as f64;
        ColumnsFrame {
            left,
            right,
            top,
            h,
            pw,
            ph,
            bw: pw / n,
        }
    }

    /// The y axis: a grid line and a label per tick.
    fn write_grid(&self, s: &mut String, scale: &YScale) {
        let (left, top, ph) = (self.left, self.top, self.ph);
        for t in &scale.ticks {
            let y = top + ph - scale.of(*t) * ph;
            let _ = write!(
                s,
                r#"<line class="grid" x1="{left}" y1="{y:.1}" x2="{x2}" y2="{y:.1}"/><text class="tick" x="{tx}" y="{ty:.1}" text-anchor="end">{v}</text>"#,
                x2 = W - self.right,
                tx = left - 6.0,
                ty = y + 4.0,
                v = int(*t as u64)
            );
        }
    }

    /// A vertical line at `pos` (in bar units) with its label.
    fn write_marker(&self, s: &mut String, pos: f64, label: &str) {
        let (left, top) = (self.left, self.top);
        let x = left + pos * self.bw;
        let anchor = if x > left + self.pw * 0.7 {
            "end"
        } else {
            "start"
        };
        let tx = if anchor == "end" { x - 5.0 } else { x + 5.0 };
        let _ = write!(
            s,
            r#"<line class="threshold" x1="{x:.2}" y1="{y1}" x2="{x:.2}" y2="{y2}"/><text class="marker" x="{tx:.1}" y="{ty}" text-anchor="{anchor}">{l}</text>"#,
            y1 = top - 8.0,
            y2 = top + self.ph,
            ty = top - 12.0 + 10.0,
            l = escape(label)
        );
    }
}

/// The y axis of a [`Columns`] chart: where a count sits (0 at the bottom,
/// 1 at the top) and the ticks.
struct YScale {
    /// log(1 + v) / `top` when log, else v / `top`.
    log: bool,
    top: f64,
    ticks: Vec<f64>,
}

impl YScale {
    /// log(1 + n) up to the power of ten at or above `max`, a tick per power.
    fn log(max: f64) -> YScale {
        let top_v = 10f64.powf((max.max(1.0)).log10().ceil());
        let denom = (1.0 + top_v).log10();
        // No 0 tick: it would sit just under the 1 tick.
        let mut ticks = Vec::new();
        let mut t = 1.0;
        while t <= top_v {
            ticks.push(t);
            t *= 10.0;
        }
        YScale {
            log: true,
            top: denom,
            ticks,
        }
    }

    /// Linear up to `max` rounded up to a nice step, a tick per step.
    fn linear(max: f64) -> YScale {
        let step = nice_step(max);
        let top_v = (max / step).ceil().max(1.0) * step;
        let ticks = (0..=((top_v / step) as usize))
            .map(|i| i as f64 * step)
            .collect();
        YScale {
            log: false,
            top: top_v,
            ticks,
        }
    }

    /// The height of `v` as a share of the plot's.
    fn of(&self, v: f64) -> f64 {
        if self.log {
            (1.0 + v).log10() / self.top
        } else {
            v / self.top
        }
    }
}

/// A horizontal bar chart: one row per label, each row one or more stacked
/// segments (kind, value). Legend when there is more than one kind.
struct Rows<'a> {
    id: &'a str,
    title: &'a str,
    value_label: &'a str,
    rows: Vec<(String, Vec<(String, f64)>)>,
    /// Formats a row's total for the number after its bar.
    fmt: &'a dyn Fn(f64) -> String,
}

impl Rows<'_> {
    fn svg(&self) -> String {
        let mut kinds: Vec<&str> = Vec::new();
        for (_, segs) in &self.rows {
            for (k, _) in segs {
                if !kinds.contains(&k.as_str()) {
                    kinds.push(k);
                }
            }
        }
        let (left, right) = (250.0, 110.0);
        // Legend entries (x, line), wrapped at the right edge; text width
        // estimated at 7.5 units a character of 12-unit text.
        let mut keys: Vec<(f64, usize)> = Vec::new();
        let (mut x, mut line) = (left, 0usize);
        for k in &kinds {
            let w = 16.0 + 7.5 * k.chars().count() as f64 + 18.0;
            if x + w > W - 10.0 && x > left {
                x = left;
                line += 1;
            }
            keys.push((x, line));
            x += w;
        }
        let legend = kinds.len() > 1;
        let top = if legend {
            42.0 + 20.0 * line as f64
        } else {
            14.0
        };
        let row_h = 26.0;
        let h = top + self.rows.len() as f64 * row_h + 40.0;
        let pw = W - left - right;
        let max = self
            .rows
            .iter()
            .map(|(_, s)| s.iter().map(|x| x.1.max(0.0)).sum::<f64>())
            .fold(0.0, f64::max);
        let scale = if max > 0.0 { pw / max } else { 0.0 };
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg id="{id}" class="chart" viewBox="0 0 {W} {h}" role="img" aria-label="{t}"><title>{t}</title>"#,
            id = escape(self.id),
            t = escape(self.title)
        );
        if legend {
            for (i, (k, &(x, line))) in kinds.iter().zip(&keys).enumerate() {
                let y = 12.0 + 20.0 * line as f64;
                let _ = write!(
                    s,
                    r#"<rect class="key" x="{x:.1}" y="{y}" width="12" height="12" fill="{c}"/><text class="tick" x="{tx:.1}" y="{ty}">{k}</text>"#,
                    c = PALETTE[i % PALETTE.len()],
                    tx = x + 16.0,
                    ty = y + 10.0,
                    k = escape(k)
                );
            }
        }
        for (r, (label, segs)) in self.rows.iter().enumerate() {
            let y = top + r as f64 * row_h;
            let shown: String = if label.chars().count() > 34 {
                label.chars().take(33).chain(['…']).collect()
            } else {
                label.clone()
            };
            let total: f64 = segs.iter().map(|x| x.1.max(0.0)).sum();
            let _ = write!(
                s,
                r#"<g class="bar" data-label="{l}" data-value="{total}"><title>{l}: {v}</title><text class="tick" x="{lx}" y="{ty:.1}" text-anchor="end">{sl}</text>"#,
                l = escape(label),
                v = escape(&(self.fmt)(total)),
                lx = left - 8.0,
                ty = y + row_h / 2.0 + 4.0,
                sl = escape(&shown)
            );
            let mut x = left;
            for (k, v) in segs {
                let w = v.max(0.0) * scale;
                let c = kinds.iter().position(|x| x == k).unwrap_or(0) % PALETTE.len();
                let _ = write!(
                    s,
                    r#"<rect x="{x:.2}" y="{ry:.1}" width="{w:.2}" height="{bh}" fill="{c}"/>"#,
                    ry = y + 4.0,
                    bh = row_h - 8.0,
                    c = PALETTE[c]
                );
                x += w;
            }
            let _ = write!(
                s,
                r#"<text class="num" x="{nx:.1}" y="{ty:.1}">{v}</text></g>"#,
                nx = x + 6.0,
                ty = y + row_h / 2.0 + 4.0,
                v = escape(&(self.fmt)(total))
            );
        }
        let yb = top + self.rows.len() as f64 * row_h;
        let _ = write!(
            s,
            r#"<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{yb}"/><text class="label" x="{cx}" y="{ly}" text-anchor="middle">{vl}</text></svg>"#,
            cx = left + pw / 2.0,
            ly = yb + 26.0,
            vl = escape(self.value_label)
        );
        s
    }
}

fn plain_rows(rows: &[(String, u64)]) -> Vec<(String, Vec<(String, f64)>)> {
    rows.iter()
        .map(|(l, v)| (l.clone(), vec![(String::new(), *v as f64)]))
        .collect()
}

fn none(what: &str) -> String {
    format!(r#"<p class="none">none — {}</p>"#, escape(what))
}

const CSS: &str = r#"
:root { --ink: #1f2933; --muted: #5b6770; --line: #d9dee3; --bg: #f5f7f9; --accent: #3b6fb6; --warn: #c44e52; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", "Liberation Sans", sans-serif; }
header { background: #22313f; color: #fff; padding: 20px 28px; }
header h1 { margin: 0 0 4px; font-size: 24px; font-weight: 600; }
header p { margin: 0; color: #c9d3dc; }
main { max-width: 1180px; margin: 0 auto; padding: 16px 20px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 16px 0; overflow-x: auto; }
h2 { font-size: 18px; margin: 0 0 4px; font-weight: 600; }
p.note { color: var(--muted); margin: 0 0 10px; font-size: 14px; }
p.none { color: var(--muted); font-style: italic; margin: 8px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; background: #fbfcfd; }
.card .v { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .k { color: var(--muted); font-size: 13px; }
.card.warn .v { color: var(--warn); }
svg.chart { width: 100%; min-width: 600px; height: auto; display: block; font-family: inherit; }
svg .grid { stroke: #eceff2; }
svg .axis { stroke: #8a949c; }
svg .tick { font-size: 12px; fill: var(--muted); }
svg .label { font-size: 13px; fill: var(--ink); }
svg .num { font-size: 12px; fill: var(--ink); font-variant-numeric: tabular-nums; }
svg .num.small { font-size: 10px; }
svg .threshold { stroke: var(--warn); stroke-width: 2; stroke-dasharray: 6 4; }
svg .marker { font-size: 13px; fill: var(--warn); font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 13px; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, .id { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 13px; }
ul.ids { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 4px 12px; }
ul.vals { margin: 0; padding-left: 18px; }
.more { color: var(--muted); }
@media (max-width: 640px) { main { padding: 8px; } section { padding: 12px; } header { padding: 16px; } }
footer { max-width: 1180px; margin: 0 auto; padding: 0 20px 30px; color: var(--muted); font-size: 13px; }
"#;

/// The whole page.
pub fn render(d: &ReportData) -> String {
    let mut s = String::with_capacity(64 * 1024);
    let inputs = d.inputs.join(" + ");
    let _ = write!(
        s,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>dinhdanh {mode} report — {inputs}</title>
<style>{CSS}</style>
</head>
<body>
<header><h1>dinhdanh {mode} report</h1><p>{inputs} · reference date {as_of} · dinhdanh {version}</p></header>
<main>
"#,
        mode = escape(&d.mode),
        inputs = escape(&inputs),
        as_of = escape(&d.as_of),
        version = escape(&d.version),
    );
    summary_section(&mut s, d);
    weights_section(&mut s, d);
    sizes_section(&mut s, d);
    rules_section(&mut s, d);
    flags_section(&mut s, d);
    clusters_section(&mut s, d);
    conflicts_section(&mut s, d);
    timings_section(&mut s, d);
    let _ = write!(
        s,
        "</main>\n<footer>{}</footer>\n</body>\n</html>\n",
        if d.values.is_some() {
            "Values shown are normalized forms (--show-values). This page contains personal data: handle it as the register itself."
        } else {
            "Record ids only; run with --show-values to list names, dates of birth and provinces."
        }
    );
    s
}

fn card(s: &mut String, key: &str, value: &str, warn: bool) {
    let _ = write!(
        s,
        r#"<div class="card{}"><div class="v">{}</div><div class="k">{}</div></div>"#,
        if warn { " warn" } else { "" },
        escape(value),
        escape(key)
    );
}

fn summary_section(s: &mut String, d: &ReportData) {
    s.push_str(r#"<section id="summary"><h2>Summary</h2><p class="note">Counts only: this run has no ground truth, so precision and recall are not known here (see <code>dinhdanh evaluate</code>).</p><div class="cards">"#);
    if d.inputs.len() > 1 {
        for (name, n) in d.inputs.iter().zip(&d.records_per_input) {
            card(s, &format!("records in {name}"), &int(*n), false);
        }
    }
    card(s, "records", &int(d.records), false);
    for (what, n) in &d.changes {
        card(s, &format!("records {what}"), &int(*n), false);
    }
    let update = d.mode == "update";
    card(
        s,
        if update {
            "new candidate pairs scored"
        } else {
            "candidate pairs"
        },
        &int(d.candidate_pairs),
        false,
    );
    card(s, "pairs written", &int(d.pairs_written), false);
    card(
        s,
        &format!("matching pairs (p ≥ {})", d.threshold),
        &int(d.matching_pairs),
        false,
    );
    card(s, "clusters", &int(d.clusters), false);
    card(
        s,
        "clusters with duplicates",
        &int(d.clusters_with_duplicates),
        false,
    );
    card(s, "largest cluster", &int(d.largest_cluster), false);
    let flags: u64 = d.flags_by_kind.iter().map(|f| f.1).sum();
    card(s, "flags", &int(flags), flags > 0);
    s.push_str("</div></section>\n");
}

fn weights_section(s: &mut String, d: &ReportData) {
    let h = &d.weights;
    let _ = write!(
        s,
        r#"<section id="weights"><h2>Match weights of the written pairs</h2><p class="note">Match weight = log<sub>2</sub> Bayes factor, in bins {} wide. Pairs right of the dashed line (weight {:.2}, probability {}) link records into clusters; hover a bar for its count.</p>"#,
        h.bin_width, d.threshold_weight, d.threshold
    );
    if h.counts.is_empty() {
        s.push_str(&none("no pairs were written"));
    } else {
        // Labels on round weights (about ten along the axis), at bin edges.
        let span = h.counts.len() as f64 * h.bin_width;
        let step = nice_step(span * 0.5).max(h.bin_width);
        let chart = Columns {
            id: "chart-weights",
            title: "Match-weight histogram",
            x_label: "match weight",
            y_label: "pairs",
            bars: h
                .counts
                .iter()
                .enumerate()
                .map(|(i, &n)| {
                    let (a, b) = (h.edge(i), h.edge(i + 1));
                    let tick = if (a / step).fract() == 0.0 {
                        format!("{a}")
                    } else {
                        String::new()
                    };
                    (
                        format!("{a}"),
                        tick,
                        n,
                        format!("[{a}, {b}): {} pairs", int(n)),
                    )
                })
                .collect(),
            log_y: false,
            marker: Some((
                (d.threshold_weight / h.bin_width) - h.first as f64,
                format!("threshold {:.2}", d.threshold_weight),
            )),
        };
        s.push_str(&chart.svg());
    }
    s.push_str("</section>\n");
}

fn sizes_section(s: &mut String, d: &ReportData) {
    s.push_str(r#"<section id="sizes"><h2>Cluster sizes</h2><p class="note">Number of clusters of each size (log scale; size 1 = records with no duplicate).</p>"#);
    if d.cluster_sizes.is_empty() {
        s.push_str(&none("no clusters"));
    } else {
        let chart = Columns {
            id: "chart-sizes",
            title: "Cluster-size distribution",
            x_label: "records in the cluster",
            y_label: "clusters (log scale)",
            bars: d
                .cluster_sizes
                .iter()
                .enumerate()
                .map(|(i, &(size, n))| {
                    let every = d.cluster_sizes.len().div_ceil(30);
                    let tick = if i % every == 0 {
                        size.to_string()
                    } else {
                        String::new()
                    };
                    let tip = format!("size {size}: {} clusters", int(n));
                    (size.to_string(), tick, n, tip)
                })
                .collect(),
            log_y: true,
            marker: None,
        };
        s.push_str(&chart.svg());
    }
    s.push_str("</section>\n");
}

fn rules_section(s: &mut String, d: &ReportData) {
    // update scores only the pairs of added and changed records; the written
    // pairs are what it can count for every rule.
    let update = d.mode == "update";
    let (title, note, value_label) = if update {
        (
            "Pairs written per blocking rule",
            "Pairs written to pairs.parquet by the first rule whose keys the two records share. An update scores only the pairs of added and changed records, so it does not count candidates per rule; blocks that crossed the size cap are counted in summary.json.",
            "pairs written",
        )
    } else {
        (
            "Candidate pairs per blocking rule",
            "Pairs each rule adds that no earlier rule found.",
            "new candidate pairs",
        )
    };
    let _ = write!(
        s,
        r#"<section id="rules"><h2>{title}</h2><p class="note">{note}</p>"#
    );
    if d.rules.is_empty() {
        s.push_str(&none("no blocking rules"));
    } else {
        let rows: Vec<(String, u64)> = d
            .rules
            .iter()
            .map(|r| (r.rule.clone(), r.new_pairs))
            .collect();
        let chart = Rows {
            id: "chart-rules",
            title,
            value_label,
            rows: plain_rows(&rows),
            fmt: &|v| int(v as u64),
        };
        s.push_str(&chart.svg());
        if update {
            s.push_str("</section>\n");
            return;
        }
        let skipped: Vec<&RuleRow> = d.rules.iter().filter(|r| r.oversized_blocks > 0).collect();
        if skipped.is_empty() {
            s.push_str(r#"<p class="note">No block was skipped for size.</p>"#);
        } else {
            s.push_str(r#"<table id="oversized"><tr><th>rule</th><th>oversized blocks skipped</th><th>records in them</th></tr>"#);
            for r in skipped {
                let _ = write!(
                    s,
                    r#"<tr><td><code>{}</code></td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                    escape(&r.rule),
                    int(r.oversized_blocks),
                    int(r.oversized_records)
                );
            }
            s.push_str("</table>");
        }
    }
    s.push_str("</section>\n");
}

fn flags_section(s: &mut String, d: &ReportData) {
    s.push_str(r#"<section id="flags"><h2>Flags by kind</h2><p class="note">Conflicts and data-quality findings (<code>flags.parquet</code>).</p>"#);
    if d.flags_by_kind.is_empty() {
        s.push_str(&none("no flags were raised"));
    } else {
        let mut by_kind = d.flags_by_kind.clone();
        // Most frequent first; ties by name, so the order is fixed.
        by_kind.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let chart = Rows {
            id: "chart-flags",
            title: "Flags by kind",
            value_label: "flags",
            rows: plain_rows(&by_kind),
            fmt: &|v| int(v as u64),
        };
        s.push_str(&chart.svg());
    }
    s.push_str("</section>\n");
    let _ = write!(
        s,
        r#"<section id="flags-province"><h2>Flags by province</h2><p class="note">The {TOP_PROVINCES} provinces with the most flags, by kind.</p>"#
    );
    if d.flags_by_province.is_empty() {
        s.push_str(&none("no flags were raised"));
    } else {
        let mut rows: Vec<(String, Vec<(String, f64)>)> = d
            .flags_by_province
            .iter()
            .map(|(p, kinds)| {
                (
                    p.clone(),
                    kinds.iter().map(|(k, n)| (k.clone(), *n as f64)).collect(),
                )
            })
            .collect();
        let total = |r: &(String, Vec<(String, f64)>)| r.1.iter().map(|x| x.1).sum::<f64>();
        // Most flags first; ties by province name, so the order is fixed.
        rows.sort_by(|a, b| total(b).total_cmp(&total(a)).then_with(|| a.0.cmp(&b.0)));
        rows.truncate(TOP_PROVINCES);
        let chart = Rows {
            id: "chart-flags-province",
            title: "Flags by province",
            value_label: "flags",
            rows,
            fmt: &|v| int(v as u64),
        };
        s.push_str(&chart.svg());
    }
    s.push_str("</section>\n");
}

fn value_lookup(d: &ReportData) -> Option<std::collections::HashMap<&str, &RecordValues>> {
    d.values
        .as_ref()
        .map(|v| v.iter().map(|(id, rv)| (id.as_str(), rv)).collect())
}

fn ids_cell(
    s: &mut String,
    ids: &[String],
    total: u64,
    vals: &Option<std::collections::HashMap<&str, &RecordValues>>,
) {
    match vals {
        None => {
            s.push_str(r#"<ul class="ids">"#);
            for id in ids {
                let _ = write!(s, r#"<li class="id">{}</li>"#, escape(id));
            }
        }
        Some(vals) => {
            s.push_str(r#"<ul class="vals">"#);
            for id in ids {
                let _ = write!(s, r#"<li><span class="id">{}</span>"#, escape(id));
                if let Some(v) = vals.get(id.as_str()) {
                    let _ = write!(
                        s,
                        " — {} · {} · {}",
                        escape(&v.name),
                        escape(&v.date_of_birth),
                        escape(&v.province)
                    );
                }
                s.push_str("</li>");
            }
        }
    }
    let shown = ids.len() as u64;
    if total > shown {
        let _ = write!(
            s,
            r#"<li class="more">… and {} more</li>"#,
            int(total - shown)
        );
    }
    s.push_str("</ul>");
}

fn clusters_section(s: &mut String, d: &ReportData) {
    let _ = write!(
        s,
        r#"<section id="largest"><h2>Largest clusters</h2><p class="note">The {TOP_CLUSTERS} largest clusters (up to {MAX_MEMBERS} members listed each). A very large cluster is usually a chain of weak links or a shared placeholder value worth checking.</p>"#
    );
    let vals = value_lookup(d);
    let multi: Vec<&ClusterRow> = d.largest_clusters.iter().filter(|c| c.size > 1).collect();
    if multi.is_empty() {
        s.push_str(&none("every cluster is a single record"));
    } else {
        s.push_str(r#"<table id="largest-table"><tr><th>cluster id</th><th>size</th><th>members</th></tr>"#);
        for c in multi {
            let _ = write!(
                s,
                r#"<tr data-cluster="{id}"><td class="id">{id}</td><td class="n">{n}</td><td>"#,
                id = escape(&c.cluster_id),
                n = int(c.size)
            );
            ids_cell(s, &c.members, c.size, &vals);
            s.push_str("</td></tr>");
        }
        s.push_str("</table>");
    }
    s.push_str("</section>\n");
}

fn conflicts_section(s: &mut String, d: &ReportData) {
    let _ = write!(
        s,
        r#"<section id="conflicts"><h2>Strongest conflicts</h2><p class="note">Pairs and clusters whose records disagree on what should identify a person (at most {MAX_CONFLICTS}, strongest first).</p>"#
    );
    if d.conflicts.is_empty() {
        s.push_str(&none("no conflicts were found"));
    } else {
        let vals = value_lookup(d);
        s.push_str(r#"<table id="conflicts-table"><tr><th>kind</th><th>records</th><th>weight</th><th>detail</th></tr>"#);
        for c in d.conflicts.iter().take(MAX_CONFLICTS) {
            let _ = write!(s, r#"<tr><td><code>{}</code></td><td>"#, escape(&c.kind));
            ids_cell(s, &c.record_ids, c.record_ids.len() as u64, &vals);
            let w = c.weight.map_or(String::new(), |w| format!("{w:.2}"));
            let _ = write!(
                s,
                r#"</td><td class="n">{}</td><td>{}</td></tr>"#,
                w,
                escape(&c.detail)
            );
        }
        s.push_str("</table>");
    }
    s.push_str("</section>\n");
}

fn timings_section(s: &mut String, d: &ReportData) {
    let _ = write!(
        s,
        r#"<section id="timings"><h2>Stage timings and memory</h2><p class="note">Total {:.1} s on {} thread{}; peak memory {}. These figures measure the run and differ between runs.</p>"#,
        d.total_seconds,
        d.threads,
        if d.threads == 1 { "" } else { "s" },
        d.peak_rss_bytes.map_or("not measured".to_owned(), bytes)
    );
    if d.stage_seconds.is_empty() {
        s.push_str(&none("no stages were timed"));
    } else {
        let chart = Rows {
            id: "chart-timings",
            title: "Stage timings",
            value_label: "seconds",
            rows: d
                .stage_seconds
                .iter()
                .map(|(n, t)| (n.clone(), vec![(String::new(), *t)]))
                .collect(),
            fmt: &|v| format!("{v:.2} s"),
        };
        s.push_str(&chart.svg());
    }
    s.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(hay: &str, needle: &str) -> usize {
        hay.matches(needle).count()
    }

    #[test]
    fn escape_by_hand() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("Nguyễn Văn A"), "Nguyễn Văn A");
        assert_eq!(escape("a\u{0}b"), "a\u{FFFD}b");
    }

    #[test]
    fn record_ids_from_the_data_are_escaped_everywhere() {
        let evil = r#"<script>alert("x")</script>&"#;
        let d = ReportData {
            mode: "dedupe".into(),
            inputs: vec![format!("{evil}.csv")],
            largest_clusters: vec![ClusterRow {
                cluster_id: evil.into(),
                size: 2,
                members: vec![evil.into(), "R2".into()],
            }],
            rules: vec![RuleRow {
                rule: evil.into(),
                new_pairs: 3,
                ..RuleRow::default()
            }],
            conflicts: vec![ConflictRow {
                kind: "shared_id".into(),
                record_ids: vec![evil.into()],
                weight: Some(-3.0),
                detail: evil.into(),
            }],
            values: Some(vec![(
                evil.into(),
                RecordValues {
                    name: evil.into(),
                    date_of_birth: "1990-01-02".into(),
                    province: "Hà Nội".into(),
                },
            )]),
            ..ReportData::default()
        };
        let html = render(&d);
        assert!(!html.contains("<script"), "raw markup leaked:\n{html}");
        assert!(!html.contains("alert(\"x\")"));
        assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"));
    }

    #[test]
    fn empty_data_renders_every_section_with_none() {
        let html = render(&ReportData::default());
        for id in [
            "summary",
            "weights",
            "sizes",
            "rules",
            "flags",
            "flags-province",
            "largest",
            "conflicts",
            "timings",
        ] {
            assert!(
                html.contains(&format!(r#"<section id="{id}">"#)),
                "missing section {id}"
            );
        }
        // Every chart section says "none" instead of drawing an empty chart,
        // and so do the two tables.
        assert_eq!(count(&html, r#"<p class="none">"#), 8);
        assert_eq!(count(&html, "<svg"), 0);
        assert!(html.ends_with("</html>\n"));
    }

    #[test]
    fn histogram_bins_by_hand() {
        // Width 0.5: -1.2 → bin -3 ([-1.5, -1.0)), -1.0 → -2, 0.0 and 0.49 → 0,
        // 2.5 → 5; the threshold 3.3 → bin 6 extends the range; bins -3..=6.
        let w = [-1.2, -1.0, 0.0, 0.49, 2.5, f64::NAN];
        let h = Histogram::from_weights(w.iter().copied(), 3.3);
        assert_eq!(h.bin_width, 0.5);
        assert_eq!(h.first, -3);
        assert_eq!(h.counts, vec![1, 1, 0, 2, 0, 0, 0, 0, 1, 0]);
        assert_eq!(h.edge(0), -1.5);
        assert_eq!(h.counts.iter().sum::<u64>(), 5, "NaN is skipped");
    }

    #[test]
    fn wide_weight_range_widens_the_bins() {
        // 0 .. 100 at width 0.5 would be 201 bins; width 1 gives 101 bins.
        let h = Histogram::from_weights([0.0, 100.0].into_iter(), 50.0);
        assert_eq!(h.bin_width, 1.0);
        assert_eq!(h.counts.len(), 101);
        assert!(h.counts.len() <= MAX_BINS);
        assert_eq!((h.counts[0], h.counts[100]), (1, 1));
    }

    #[test]
    fn no_weights_gives_an_empty_histogram() {
        let h = Histogram::from_weights(std::iter::empty(), 9.9);
        assert!(h.counts.is_empty());
    }

    #[test]
    fn one_bar_per_bin_and_the_threshold_line() {
        let d = ReportData {
            weights: Histogram {
                bin_width: 0.5,
                first: 10,
                counts: vec![4, 0, 7],
            },
            threshold_weight: 5.75,
            cluster_sizes: vec![(1, 1000), (2, 30), (7, 1)],
            stage_seconds: vec![("load".into(), 1.5), ("score".into(), 0.25)],
            ..ReportData::default()
        };
        let html = render(&d);
        let weights = &html[html.find(r#"id="chart-weights""#).unwrap()..];
        let weights = &weights[..weights.find("</svg>").unwrap()];
        assert_eq!(count(weights, r#"<rect class="bar""#), 3);
        assert_eq!(count(weights, r#"class="threshold""#), 1);
        // Bin 2 starts at (10 + 2) × 0.5 = 6.
        assert!(weights.contains(r#"data-x="6" data-value="7""#));
        // 5.75 is half-way through the second bin: x = 78 + 1.5 × (802 / 3).
        assert!(weights.contains(r#"x1="479.00""#), "{weights}");
        let sizes = &html[html.find(r#"id="chart-sizes""#).unwrap()..];
        let sizes = &sizes[..sizes.find("</svg>").unwrap()];
        assert_eq!(count(sizes, r#"<rect class="bar""#), 3);
        let timings = &html[html.find(r#"id="chart-timings""#).unwrap()..];
        assert_eq!(
            count(
                &timings[..timings.find("</svg>").unwrap()],
                r#"<g class="bar""#
            ),
            2
        );
    }

    /// An update report shows its change counts and the pairs written per
    /// rule (it counts no candidates per rule), and says so.
    #[test]
    fn update_report_counts_changes_and_written_pairs() {
        let d = ReportData {
            mode: "update".into(),
            changes: vec![("added".into(), 1234), ("deleted".into(), 5)],
            rules: vec![
                RuleRow {
                    rule: "same_id".into(),
                    new_pairs: 70,
                    ..RuleRow::default()
                },
                RuleRow {
                    rule: "name_dob".into(),
                    new_pairs: 30,
                    ..RuleRow::default()
                },
            ],
            ..ReportData::default()
        };
        let html = render(&d);
        assert!(html.contains("<h1>dinhdanh update report</h1>"));
        assert!(html.contains(r#"<div class="v">1,234</div><div class="k">records added</div>"#));
        assert!(html.contains(r#"<div class="v">5</div><div class="k">records deleted</div>"#));
        assert!(html.contains("new candidate pairs scored"));
        let rules = &html[html.find(r#"<section id="rules">"#).unwrap()..];
        let rules = &rules[..rules.find("</section>").unwrap()];
        assert!(rules.contains("Pairs written per blocking rule"));
        assert_eq!(count(rules, r#"<g class="bar""#), 2);
        assert!(!rules.contains("No block was skipped"));
        // A dedupe report has neither.
        let dedupe = render(&ReportData {
            rules: d.rules.clone(),
            ..ReportData::default()
        });
        assert!(!dedupe.contains("records added"));
        assert!(dedupe.contains("Candidate pairs per blocking rule"));
    }

    #[test]
    fn flags_by_province_keeps_the_top_provinces_by_total() {
        let provinces: Vec<(String, Vec<(String, u64)>)> = (0..20u64)
            .map(|i| {
                (
                    format!("P{i:02}"),
                    vec![("invalid_id".into(), i), ("future_date".into(), 1)],
                )
            })
            .collect();
        let d = ReportData {
            flags_by_kind: vec![("invalid_id".into(), 190), ("future_date".into(), 20)],
            flags_by_province: provinces,
            ..ReportData::default()
        };
        let html = render(&d);
        let chart = &html[html.find(r#"id="chart-flags-province""#).unwrap()..];
        let chart = &chart[..chart.find("</svg>").unwrap()];
        assert_eq!(count(chart, r#"<g class="bar""#), TOP_PROVINCES);
        // P19 has 19 + 1 flags, the most; P04 is the last kept, P03 is cut.
        assert!(chart.find("P19").unwrap() < chart.find("P18").unwrap());
        assert!(chart.contains(r#"data-label="P05""#));
        assert!(!chart.contains(r#"data-label="P04""#));
        assert!(chart.contains(r#"data-label="P19" data-value="20""#));
        assert!(html.contains(r#"<div class="v">210</div><div class="k">flags</div>"#));
    }

    #[test]
    fn member_list_counts_what_it_leaves_out() {
        let d = ReportData {
            largest_clusters: vec![ClusterRow {
                cluster_id: "R1".into(),
                size: 60,
                members: (1..=MAX_MEMBERS).map(|i| format!("R{i}")).collect(),
            }],
            ..ReportData::default()
        };
        let html = render(&d);
        assert_eq!(count(&html, r#"<li class="id">"#), MAX_MEMBERS);
        assert!(html.contains("… and 10 more"));
    }

    #[test]
    fn values_only_when_given() {
        let mut d = ReportData {
            largest_clusters: vec![ClusterRow {
                cluster_id: "R1".into(),
                size: 2,
                members: vec!["R1".into(), "R2".into()],
            }],
            ..ReportData::default()
        };
        assert!(!render(&d).contains("Trần Thị Mai"));
        d.values = Some(vec![(
            "R2".into(),
            RecordValues {
                name: "Trần Thị Mai".into(),
                date_of_birth: "1985-03-04".into(),
                province: "Nam Định".into(),
            },
        )]);
        let html = render(&d);
        assert!(html.contains("Trần Thị Mai · 1985-03-04 · Nam Định"));
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1,000");
        assert_eq!(int(1234567), "1,234,567");
    }

    #[test]
    fn same_data_same_bytes() {
        let d = ReportData {
            cluster_sizes: vec![(1, 5), (2, 1)],
            ..ReportData::default()
        };
        assert_eq!(render(&d), render(&d.clone()));
    }
}
