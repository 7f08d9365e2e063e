//! What `practice sync` prints: the dry run's plan and the summary of a run.

use practice_sync::{Order, Plan, Summary};

/// The dry run's text: requests per report, in total with the login, and the time the
/// vendor's budget needs for them.
pub fn plan(
    plan: &Plan,
    aloha: bool,
    aerona_limit: Option<&practice_core::RateLimit>,
    target: &str,
    order: Order,
) -> String {
    let mut out = format!("plan against {target} (nothing sent, nothing created):\n");
    for (report, n) in plan.per_report() {
        out.push_str(&format!("  {:<40} {n:>6} requests\n", report.table()));
    }
    let data = plan.requests.len() as u64;
    let total = data.saturating_add(1);
    out.push_str(&format!(
        "  {:<40} {:>6} requests + 1 login = {total}; {} windows already covered\n",
        "total", data, plan.skipped
    ));
    let duration = if aloha {
        // 1,000 a day, shared with whatever else uses the key today.
        match budget_days(total, 1000) {
            1 => {
                "within one day's budget (1,000 requests, if nothing else used it today)".to_owned()
            }
            days => format!(
                "over one day's budget: {days} days at 1,000 requests a day (a login each day); \
                 each run takes the {} months first, stops when the budget is spent and says \
                 when to run again; the next run resumes",
                match order {
                    Order::Newest => "newest",
                    Order::Oldest => "oldest",
                }
            ),
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

/// The days a plan of `total` requests (its login included) takes at `per_day`, a login
/// being spent again on each later day.
fn budget_days(total: u64, per_day: u64) -> u64 {
    if total <= per_day {
        return 1;
    }
    // The first day carries the plan's login; each later day one more.
    let rest = total - per_day;
    1 + rest.div_ceil(per_day.saturating_sub(1).max(1))
}

/// The summary of a finished run, for stderr.
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

#[cfg(test)]
mod tests {
    use super::*;
    use practice_sync::Report;

    #[test]
    fn a_plan_over_the_budget_says_how_many_days_it_needs() {
        assert_eq!(budget_days(1, 1000), 1);
        assert_eq!(budget_days(1000, 1000), 1);
        // 1,001 requests: one more on a second day, with that day's login.
        assert_eq!(budget_days(1001, 1000), 2);
        assert_eq!(budget_days(1999, 1000), 2);
        assert_eq!(budget_days(2000, 1000), 3);
        let plan = Plan {
            requests: (0..1500)
                .map(|i| {
                    practice_sync::Request::one(practice_sync::Window {
                        report: Report::AlohaClientAuthorizations,
                        key: format!("w{i}"),
                        range: None,
                        id: None,
                    })
                })
                .collect(),
            skipped: 0,
        };
        let text = plan_text(&plan, Order::Newest);
        assert!(text.contains("over one day's budget: 2 days"), "{text}");
        assert!(text.contains("newest months first"), "{text}");
        let oldest = plan_text(&plan, Order::Oldest);
        assert!(oldest.contains("oldest months first"), "{oldest}");
    }

    fn plan_text(p: &Plan, order: Order) -> String {
        plan(p, true, None, "the built-in sandbox", order)
    }
}
