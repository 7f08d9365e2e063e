//! What `practice sync` prints: the dry run's plan and the summary of a run.

use practice_sync::{Plan, Summary};

/// The dry run's text: requests per report, in total with the login, and the time the
/// vendor's budget needs for them.
pub fn plan(
    plan: &Plan,
    aloha: bool,
    aerona_limit: Option<&practice_core::RateLimit>,
    target: &str,
) -> String {
    let mut out = format!("plan against {target} (nothing sent, nothing created):\n");
    for (report, n) in plan.per_report() {
        out.push_str(&format!("  {:<40} {n:>6} requests\n", report.table()));
    }
    let data = plan.windows.len() as u64;
    let total = data.saturating_add(1);
    out.push_str(&format!(
        "  {:<40} {:>6} requests + 1 login = {total}; {} windows already covered\n",
        "total", data, plan.skipped
    ));
    let duration = if aloha {
        // 1,000 a day, shared with whatever else uses the key today.
        let days = total.div_ceil(1000).saturating_sub(1);
        if days == 0 {
            "within one day's budget (1,000 requests, if nothing else used it today)".to_owned()
        } else {
            format!("at least {days} more day(s): the budget is 1,000 requests a day")
        }
    } else {
        let (limit, window) = aerona_limit.map_or((300, 900), |l| {
            (u64::from(l.limit).max(1), l.window.as_secs().max(60))
        });
        let waits = total.div_ceil(limit).saturating_sub(1);
        format!(
            "at least {} minute(s) of budget waits: {limit} requests per {} minutes",
            waits.saturating_mul(window) / 60,
            window / 60
        )
    };
    out.push_str(&format!("  time: {duration}\n"));
    if !aloha {
        out.push_str(
            "  patients named by payments and invoices fetched in the run are planned after them\n",
        );
    }
    out
}

pub fn summary(summary: &Summary) -> String {
    let mut out = String::new();
    for (table, c) in &summary.tables {
        out.push_str(&format!(
            "{table}: {} inserted, {} updated, {} removed\n",
            c.inserted, c.updated, c.removed
        ));
    }
    out.push_str(&format!(
        "requests: {} (+ logins as needed); {} windows already covered; {} fetched by other processes\n",
        summary.requests, summary.skipped, summary.by_others
    ));
    out
}
