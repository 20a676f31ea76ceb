//! The HTML report: one self-contained page (inline CSS and SVG, no script, no
//! external asset), for a support lead to look at rather than read.

use std::fmt::Write as _;

use super::{EvalReport, Rate};

const WIDTH: f64 = 640.0;
const LABEL_WIDTH: f64 = 210.0;
const BAR_HEIGHT: f64 = 18.0;
const BAR_GAP: f64 = 6.0;
const BLUE: &str = "#2f6fb5";
const ORANGE: &str = "#d9822b";
const GREEN: &str = "#3a9a5b";
const RED: &str = "#c0392b";
const BAND: &str = "#e3f1e6";

/// Escapes text for HTML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// One horizontal bar: label, value (0..=max), the text shown after the bar.
struct Bar {
    label: String,
    value: f64,
    text: String,
    color: &'static str,
}

/// A horizontal bar chart; `max` is the value of a full bar.
fn bar_chart(title: &str, bars: &[Bar], max: f64) -> String {
    let mut svg = String::new();
    if bars.is_empty() {
        return svg;
    }
    let height = bars.len() as f64 * (BAR_HEIGHT + BAR_GAP) + 10.0;
    let span = WIDTH - LABEL_WIDTH - 160.0;
    let _ = write!(
        svg,
        r#"<figure><figcaption>{}</figcaption><svg role="img" aria-label="{}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(title),
        esc(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = 5.0 + i as f64 * (BAR_HEIGHT + BAR_GAP);
        let fraction = if max > 0.0 {
            (bar.value / max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let width = (span * fraction).max(if bar.value > 0.0 { 1.0 } else { 0.0 });
        let label: String = bar.label.chars().take(30).collect();
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" class="label">{}</text><rect x="{LABEL_WIDTH}" y="{y:.1}" width="{span:.1}" height="{BAR_HEIGHT}" class="track"/><rect x="{LABEL_WIDTH}" y="{y:.1}" width="{width:.1}" height="{BAR_HEIGHT}" fill="{}"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" class="value">{}</text>"#,
            LABEL_WIDTH - 8.0,
            y + 13.0,
            esc(&label),
            bar.color,
            esc(&bar.label),
            esc(&bar.text),
            LABEL_WIDTH + span + 6.0,
            y + 13.0,
            esc(&bar.text)
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

/// A line series: name, color, one value (0..=1) per x, absent where unknown.
struct Series {
    name: &'static str,
    color: &'static str,
    values: Vec<Option<f64>>,
}

/// A line chart of rates over time, with an optional shaded healthy band.
fn line_chart(title: &str, xs: &[String], series: &[Series], band: Option<(f64, f64)>) -> String {
    let mut svg = String::new();
    if xs.is_empty() {
        return svg;
    }
    let (height, left, right, top, bottom) = (240.0, 44.0, 40.0, 12.0, 44.0);
    let plot_w = WIDTH - left - right;
    let plot_h = height - top - bottom;
    let x_of = |i: usize| {
        if xs.len() == 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (xs.len() - 1) as f64
        }
    };
    let y_of = |v: f64| top + plot_h * (1.0 - v.clamp(0.0, 1.0));
    let _ = write!(
        svg,
        r#"<figure><figcaption>{}</figcaption><svg role="img" aria-label="{}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(title),
        esc(title)
    );
    if let Some((low, high)) = band {
        let _ = write!(
            svg,
            r#"<rect x="{left}" y="{:.1}" width="{plot_w:.1}" height="{:.1}" fill="{BAND}"><title>healthy band {:.0}-{:.0}%</title></rect>"#,
            y_of(high),
            y_of(low) - y_of(high),
            low * 100.0,
            high * 100.0
        );
    }
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let y = y_of(tick);
        let _ = write!(
            svg,
            r#"<line x1="{left}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="axis">{:.0}%</text>"#,
            left + plot_w,
            left - 4.0,
            y + 4.0,
            tick * 100.0
        );
    }
    let step = (xs.len() / 6).max(1);
    // Points are marked only while they stay apart.
    let dots = xs.len() <= 60;
    for (i, x) in xs.iter().enumerate() {
        let last = i + 1 == xs.len();
        // Every step-th label, and the last one, never crowding it.
        if last || (i % step == 0 && xs.len() - 1 - i >= step) {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="axis">{}</text>"#,
                x_of(i),
                height - bottom + 16.0,
                esc(x)
            );
        }
    }
    for (s, series) in series.iter().enumerate() {
        let mut path = String::new();
        let mut pen_down = false;
        for (i, value) in series.values.iter().enumerate() {
            match value {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        x_of(i),
                        y_of(*v)
                    );
                    pen_down = true;
                    if !dots {
                        continue;
                    }
                    let _ = write!(
                        svg,
                        r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{}"><title>{} {}: {:.1}%</title></circle>"#,
                        x_of(i),
                        y_of(*v),
                        series.color,
                        esc(xs.get(i).map_or("", String::as_str)),
                        series.name,
                        v * 100.0
                    );
                }
                None => pen_down = false,
            }
        }
        if !path.is_empty() {
            let _ = write!(
                svg,
                r#"<path d="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
                path.trim_end(),
                series.color
            );
        }
        let legend_x = left + s as f64 * 190.0;
        let _ = write!(
            svg,
            r#"<rect x="{legend_x:.1}" y="{:.1}" width="10" height="10" fill="{}"/><text x="{:.1}" y="{:.1}" class="axis">{}</text>"#,
            height - 14.0,
            series.color,
            legend_x + 14.0,
            height - 5.0,
            series.name
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

fn card(title: &str, rate: &Rate, good_high: bool) -> String {
    let class = match rate.rate {
        None => "na",
        Some(r) if (good_high && r >= 0.9) || (!good_high && r <= 0.1) => "good",
        Some(r) if (good_high && r >= 0.75) || (!good_high && r <= 0.25) => "fair",
        Some(_) => "poor",
    };
    format!(
        r#"<div class="card {class}"><div class="big">{}</div><div>{}</div><div class="small">{} of {}</div></div>"#,
        rate.percent(),
        esc(title),
        rate.count,
        rate.of
    )
}

const STYLE: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d2530;margin:2em auto;max-width:1360px;padding:0 1em}\
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #dde3ea;padding-bottom:.2em}\
.meta{color:#5b6775;font-size:.9em}.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}\
.card{border-radius:8px;padding:.7em 1em;min-width:150px;background:#f4f6f9;border-left:5px solid #9aa5b1}\
.card.good{border-color:#3a9a5b}.card.fair{border-color:#d9822b}.card.poor{border-color:#c0392b}\
.big{font-size:1.6em;font-weight:600}.small{color:#5b6775;font-size:.85em}\
.grid2{display:flex;flex-wrap:wrap;gap:1.5em}figure{margin:0}figcaption{font-weight:600;margin:.6em 0}\
svg .label,svg .value,svg .axis{font-size:12px;fill:#1d2530}svg .axis{fill:#5b6775}svg .track{fill:#eef1f5}svg .grid{stroke:#e4e8ee}\
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.25em .7em;text-align:right;border-bottom:1px solid #eef1f5}\
td:first-child,th:first-child{text-align:left}.note{color:#5b6775}";

impl EvalReport {
    /// One self-contained HTML page with inline SVG charts: headline rates, bars per
    /// intent, per violation code and per category, and trends by day and by week.
    pub fn to_html(&self) -> String {
        let r = &self.replay;
        let mut html = String::new();
        let _ = write!(
            html,
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>deskguard eval: {}</title><style>{STYLE}</style></head><body>",
            esc(&self.source)
        );
        let _ = write!(
            html,
            "<h1>Shadow-mode evaluation</h1><p class=\"meta\">{} &middot; {} requests ({} labeled, {} invalid lines) &middot; mode <b>{}</b> &middot; policy {} &middot; contract {}</p>",
            esc(&self.source),
            r.requests,
            r.labeled,
            r.invalid_lines,
            esc(&self.mode),
            esc(self.policy_digest.get(..12).unwrap_or(&self.policy_digest)),
            esc(self.contract_digest.get(..12).unwrap_or(&self.contract_digest))
        );
        html.push_str("<div class=\"cards\">");
        html.push_str(&card("routing accuracy", &r.routing_accuracy, true));
        html.push_str(&card("decision accuracy", &r.decision_accuracy, true));
        html.push_str(&card(
            "escalation recall (sensitive)",
            &r.escalation_recall,
            true,
        ));
        html.push_str(&card("over-escalation", &r.over_escalation_rate, false));
        html.push_str(&card("grounded drafts", &r.grounded_drafts, true));
        if r.approved_without_edit.of > 0 {
            html.push_str(&card(
                "drafts approved without edit",
                &r.approved_without_edit,
                true,
            ));
        }
        let _ = write!(
            html,
            r#"<div class="card"><div class="big">{}</div><div>cost per ticket</div><div class="small">total ${:.2}</div></div>"#,
            r.cost_per_ticket_usd
                .map_or_else(|| "n/a".to_string(), |c| format!("${c:.4}")),
            r.cost_total_usd
        );
        html.push_str("</div>");
        if r.approved_without_edit.of > 0 {
            let _ = write!(
                html,
                "<p class=\"meta\">Draft edit rate {}; ready to promote to auto-resolve (200 reviewed, &gt; 95% unedited): {}</p>",
                r.draft_edit_rate
                    .map_or_else(|| "n/a".to_string(), |rate| format!("{:.1}%", rate * 100.0)),
                if r.ready_to_promote.is_empty() {
                    "none yet".to_string()
                } else {
                    esc(&r.ready_to_promote.join(", "))
                }
            );
        }

        html.push_str("<h2>Decisions</h2><div class=\"grid2\">");
        let decision_bars: Vec<Bar> = r
            .decisions
            .iter()
            .flat_map(|(kind, count)| {
                let proposed = r.proposed.get(kind).copied().unwrap_or(0);
                [
                    Bar {
                        label: format!("{kind} proposed"),
                        value: proposed as f64,
                        text: proposed.to_string(),
                        color: ORANGE,
                    },
                    Bar {
                        label: format!("{kind} final"),
                        value: *count as f64,
                        text: count.to_string(),
                        color: BLUE,
                    },
                ]
            })
            .collect();
        let max = decision_bars.iter().map(|b| b.value).fold(0.0, f64::max);
        html.push_str(&bar_chart(
            "Proposed vs final decisions",
            &decision_bars,
            max,
        ));
        let queue_bars: Vec<Bar> = r
            .queues
            .iter()
            .take(15)
            .map(|row| Bar {
                label: if row.queue.is_empty() {
                    "(stays with agent)".into()
                } else {
                    row.queue.clone()
                },
                value: row.accuracy.rate.unwrap_or(0.0),
                text: format!(
                    "{} ({}/{})",
                    row.accuracy.percent(),
                    row.accuracy.count,
                    row.accuracy.of
                ),
                color: GREEN,
            })
            .collect();
        html.push_str(&bar_chart(
            "Routing accuracy by expected queue",
            &queue_bars,
            1.0,
        ));
        html.push_str("</div>");

        html.push_str("<h2>Per intent</h2><div class=\"grid2\">");
        let mut intents: Vec<_> = r.intents.iter().collect();
        intents.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.intent.cmp(&b.intent)));
        let top: Vec<_> = intents.into_iter().take(15).collect();
        let escalation: Vec<Bar> = top
            .iter()
            .map(|row| Bar {
                label: row.intent.clone(),
                value: row.escalation_rate.rate.unwrap_or(0.0),
                text: format!("{} of {}", row.escalation_rate.percent(), row.requests),
                color: RED,
            })
            .collect();
        html.push_str(&bar_chart(
            "Escalation rate by intent (top 15 by volume)",
            &escalation,
            1.0,
        ));
        let downgrade: Vec<Bar> = top
            .iter()
            .map(|row| Bar {
                label: row.intent.clone(),
                value: row.downgrade_rate.rate.unwrap_or(0.0),
                text: format!("{} of {}", row.downgrade_rate.percent(), row.requests),
                color: ORANGE,
            })
            .collect();
        html.push_str(&bar_chart("Downgrade rate by intent", &downgrade, 1.0));
        html.push_str("</div>");
        // Low confidence with no KB source: where the KB needs an article.
        let mut gaps: Vec<_> = r
            .intents
            .iter()
            .filter(|row| row.knowledge_gaps > 0)
            .collect();
        gaps.sort_by(|a, b| {
            b.knowledge_gaps
                .cmp(&a.knowledge_gaps)
                .then(a.intent.cmp(&b.intent))
        });
        let most = gaps.first().map_or(1, |row| row.knowledge_gaps) as f64;
        let gaps: Vec<Bar> = gaps
            .into_iter()
            .take(15)
            .map(|row| Bar {
                label: row.intent.clone(),
                value: row.knowledge_gaps as f64,
                text: format!("{} of {}", row.knowledge_gaps, row.requests),
                color: BLUE,
            })
            .collect();
        html.push_str(&bar_chart(
            "Knowledge gaps by intent (low confidence, no KB source)",
            &gaps,
            most,
        ));

        if !r.violations.is_empty() {
            html.push_str("<h2>Violations by code</h2>");
            let bars: Vec<Bar> = r
                .violations
                .iter()
                .take(20)
                .map(|row| Bar {
                    label: row.code.as_str().to_string(),
                    value: row.requests as f64,
                    text: format!("{} ({})", row.requests, row.share.percent()),
                    color: BLUE,
                })
                .collect();
            let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
            html.push_str(&bar_chart("Requests carrying each code", &bars, max));
        }

        if !r.days.is_empty() {
            html.push_str("<h2>Trend by day</h2>");
            let xs: Vec<String> = r.days.iter().map(|d| d.day.clone()).collect();
            html.push_str(&line_chart(
                "Escalation rate and decision accuracy per day (UTC)",
                &xs,
                &[
                    Series {
                        name: "escalation rate",
                        color: RED,
                        values: r.days.iter().map(|d| d.escalation_rate.rate).collect(),
                    },
                    Series {
                        name: "decision accuracy",
                        color: BLUE,
                        values: r.days.iter().map(|d| d.decision_accuracy.rate).collect(),
                    },
                ],
                None,
            ));
        }

        if let Some(t) = &self.tickets {
            let _ = write!(
                html,
                "<h2>Weekly review (ticket log)</h2><p class=\"meta\">{} tickets{} &middot; {} invalid lines</p><div class=\"cards\">",
                t.tickets,
                t.as_of
                    .map_or_else(String::new, |at| format!(" &middot; as of {}", esc(&at.to_string()))),
                t.invalid_lines
            );
            html.push_str(&card("SLA attainment", &t.sla_attainment, true));
            let _ = write!(
                html,
                r#"<div class="card {}"><div class="big">{}</div><div>escalation rate ({})</div><div class="small">healthy 15-25%</div></div>"#,
                if t.escalation_band.status == "within" {
                    "good"
                } else if t.escalation_band.status == "unknown" {
                    "na"
                } else {
                    "poor"
                },
                t.escalation_rate.percent(),
                esc(&t.escalation_band.status)
            );
            html.push_str(&card("repeat tickets", &t.repeat_rate, false));
            html.push_str(&card(
                "first-contact resolution",
                &t.first_contact_resolution,
                true,
            ));
            let _ = write!(
                html,
                r#"<div class="card"><div class="big">{}</div><div>ticket &rarr; product issue</div><div class="small">healthy 5-10%</div></div>"#,
                t.product_issue_rate.percent()
            );
            html.push_str("</div>");
            let _ = write!(
                html,
                "<p class=\"note\">{}</p>",
                esc(&t.escalation_band.note)
            );
            let bars: Vec<Bar> = t
                .categories
                .iter()
                .map(|row| Bar {
                    label: row.category.clone(),
                    value: row.attainment.rate.unwrap_or(0.0),
                    text: format!(
                        "{} ({}/{}{})",
                        row.attainment.percent(),
                        row.met,
                        row.met + row.missed,
                        if row.pending > 0 {
                            format!(", {} pending", row.pending)
                        } else {
                            String::new()
                        }
                    ),
                    color: match row.attainment.rate {
                        Some(rate) if rate >= 0.9 => GREEN,
                        Some(rate) if rate >= 0.75 => ORANGE,
                        _ => RED,
                    },
                })
                .collect();
            html.push_str(&bar_chart("SLA attainment by category", &bars, 1.0));
            if !t.weeks.is_empty() {
                let xs: Vec<String> = t.weeks.iter().map(|w| w.week.clone()).collect();
                html.push_str(&line_chart(
                    "Weekly trend (shaded: the healthy 15-25% escalation band)",
                    &xs,
                    &[
                        Series {
                            name: "escalation rate",
                            color: RED,
                            values: t.weeks.iter().map(|w| w.escalation_rate.rate).collect(),
                        },
                        Series {
                            name: "SLA attainment",
                            color: GREEN,
                            values: t.weeks.iter().map(|w| w.sla_attainment.rate).collect(),
                        },
                        Series {
                            name: "repeat tickets",
                            color: ORANGE,
                            values: t.weeks.iter().map(|w| w.repeat_rate.rate).collect(),
                        },
                    ],
                    Some((t.escalation_band.low, t.escalation_band.high)),
                ));
            }
            html.push_str("<table><tr><th>category</th><th>tickets</th><th>met</th><th>missed</th><th>pending</th><th>attainment</th><th>escalated</th></tr>");
            for row in &t.categories {
                let _ = write!(
                    html,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&row.category),
                    row.tickets,
                    row.met,
                    row.missed,
                    row.pending,
                    row.attainment.percent(),
                    row.escalation_rate.percent()
                );
            }
            html.push_str("</table>");
        }

        if !r.invalid_examples.is_empty() {
            html.push_str("<h2>Invalid lines</h2><ul>");
            for example in &r.invalid_examples {
                let _ = write!(
                    html,
                    "<li>line {}: {}</li>",
                    example.line,
                    esc(&example.message)
                );
            }
            html.push_str("</ul>");
        }
        html.push_str("<p class=\"note\">Generated by deskguard eval. Self-contained: no scripts, no external assets.</p></body></html>\n");
        html
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("<b a=\"x\">&'"), "&lt;b a=&quot;x&quot;&gt;&amp;&#39;");
    }
}
