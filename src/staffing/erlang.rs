//! Erlang B and C by the stable recursion (no factorials, no powers), so that
//! loads in the thousands of Erlangs neither overflow nor lose precision.
//!
//! Notation: `a` offered load in Erlangs (arrival rate × mean handle time),
//! `n` servers, `aht` mean handle time and `t` the answer threshold, both in
//! seconds.

/// Where the Erlang B recursion may start for `n >= a` without changing the
/// result in double precision.
///
/// 1/B(n, a) = Σ_{j=0..n} P(j) / P(n) with P the Poisson(a) probabilities, so
/// starting the recursion at k0 with B(k0) = 1 drops the terms j < k0. For
/// k0 = a − 12√a − 10 and n ≥ a, the dropped mass is a Poisson left tail more
/// than 12 standard deviations below the mean (< e^-70 of the kept terms,
/// which include the mode), far below the 2^-52 resolution of a double. This
/// makes the search O(√a) instead of O(a) for large loads.
fn recursion_start(n: u32, a: f64) -> u32 {
    if (n as f64) < a {
        return 0;
    }
    let k0 = a - 12.0 * a.sqrt() - 10.0;
    if k0 <= 0.0 {
        0
    } else {
        (k0.floor() as u32).min(n)
    }
}

/// Erlang B blocking probability B(n, a).
pub fn erlang_b(n: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in recursion_start(n, a) + 1..=n {
        b = a * b / (k as f64 + a * b);
    }
    b
}

/// Erlang C probability that a contact waits, C(n, a). 1 when `n <= a`.
pub fn erlang_c(n: u32, a: f64) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    if (n as f64) <= a {
        return 1.0;
    }
    let b = erlang_b(n, a);
    let n = n as f64;
    n * b / (n - a * (1.0 - b))
}

/// Service level: share of contacts answered within `t` seconds.
pub fn service_level(n: u32, a: f64, aht: f64, t: f64) -> f64 {
    if a <= 0.0 {
        return 1.0;
    }
    if (n as f64) <= a {
        return 0.0;
    }
    let c = erlang_c(n, a);
    (1.0 - c * (-(n as f64 - a) * t / aht).exp()).clamp(0.0, 1.0)
}

/// Average speed of answer in seconds (infinite when `n <= a`).
pub fn asa(n: u32, a: f64, aht: f64) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    if (n as f64) <= a {
        return f64::INFINITY;
    }
    erlang_c(n, a) * aht / (n as f64 - a)
}

/// What one staffing level delivers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Performance {
    pub agents: u32,
    pub service_level: f64,
    pub prob_wait: f64,
    pub asa_seconds: f64,
    pub occupancy: f64,
}

/// Evaluates `n` servers for load `a`.
pub fn evaluate(n: u32, a: f64, aht: f64, t: f64) -> Performance {
    Performance {
        agents: n,
        service_level: service_level(n, a, aht, t),
        prob_wait: erlang_c(n, a),
        asa_seconds: asa(n, a, aht),
        occupancy: if n == 0 { 0.0 } else { (a / n as f64).min(1.0) },
    }
}

/// A staffing target for one interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// Share answered within `seconds` (0.8 for 80 %).
    pub service_level: f64,
    pub seconds: f64,
    /// Optional ceiling on the average speed of answer.
    pub max_asa_seconds: Option<f64>,
    /// Highest allowed occupancy.
    pub max_occupancy: f64,
}

/// The fewest servers that meet the target for load `a` (0 for no load).
///
/// Erlang B is carried up the recursion once, from where the dropped terms
/// are negligible (see `recursion_start`), so the search costs O(√a) plus the
/// distance from `a` to the answer.
pub fn required_servers(a: f64, aht: f64, target: &Target) -> Performance {
    if a <= 0.0 || aht <= 0.0 {
        return evaluate(0, 0.0, aht.max(1.0), target.seconds);
    }
    // The recursion in its reciprocal form, 1/B(k) = 1 + (k/a)·1/B(k−1):
    // the same numbers, with a multiply-add instead of a division per step.
    let inv_a = 1.0 / a;
    let cap = target.max_occupancy + 1e-12;
    let mut inv_b = 1.0;
    let mut n: u32 = recursion_start(u32::MAX, a);
    loop {
        n += 1;
        let nf = n as f64;
        inv_b = 1.0 + nf * inv_a * inv_b;
        if nf <= a || a > cap * nf {
            continue;
        }
        let b = 1.0 / inv_b;
        let c = nf * b / (nf - a * (1.0 - b));
        let sl = 1.0 - c * (-(nf - a) * target.seconds / aht).exp();
        let asa = c * aht / (nf - a);
        let asa_ok = target.max_asa_seconds.is_none_or(|m| asa <= m + 1e-12);
        if sl + 1e-12 >= target.service_level && asa_ok {
            return Performance {
                agents: n,
                service_level: sl.clamp(0.0, 1.0),
                prob_wait: c,
                asa_seconds: asa,
                occupancy: a / nf,
            };
        }
    }
}

/// Service level for a fractional number of servers, by linear interpolation
/// between the neighbouring whole numbers.
pub fn service_level_fractional(n: f64, a: f64, aht: f64, t: f64) -> f64 {
    if a <= 0.0 {
        return 1.0;
    }
    let n = n.max(0.0);
    let lo = n.floor();
    let frac = n - lo;
    let sl_lo = service_level(lo as u32, a, aht, t);
    if frac < 1e-9 {
        return sl_lo;
    }
    let sl_hi = service_level(lo as u32 + 1, a, aht, t);
    sl_lo + frac * (sl_hi - sl_lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// Check values from ../shared/DOMAIN.md (A = 10, n = 14).
    #[test]
    fn domain_check_values() {
        assert!(
            close(erlang_c(14, 10.0), 0.1741, 5e-5),
            "{}",
            erlang_c(14, 10.0)
        );
        assert!(close(service_level(14, 10.0, 180.0, 20.0), 0.8884, 5e-5));
        assert!(close(asa(14, 10.0, 180.0), 7.84, 5e-3));
    }

    /// Published Erlang B table values (e.g. the classic traffic tables):
    /// B(10, 5) = 0.01838, B(20, 15) = 0.04561, B(5, 2) = 0.03670.
    #[test]
    fn erlang_b_table() {
        assert!(close(erlang_b(10, 5.0), 0.018385, 2e-6));
        assert!(close(erlang_b(20, 15.0), 0.045593, 2e-5));
        assert!(close(erlang_b(5, 2.0), 0.036697, 2e-6));
    }

    /// DOMAIN.md example: 100 contacts in 30 min, AHT 180 s, 80/20, cap 0.85 -> 14;
    /// cap 0.70 -> 15.
    #[test]
    fn domain_required_agents() {
        let a = 100.0 * 180.0 / 1800.0;
        let t = Target {
            service_level: 0.8,
            seconds: 20.0,
            max_asa_seconds: None,
            max_occupancy: 0.85,
        };
        let p = required_servers(a, 180.0, &t);
        assert_eq!(p.agents, 14);
        assert!(close(p.service_level, 0.8884, 5e-5));
        assert!(close(p.occupancy, 0.7143, 5e-5));
        let p = required_servers(
            a,
            180.0,
            &Target {
                max_occupancy: 0.70,
                ..t
            },
        );
        assert_eq!(p.agents, 15);
    }

    #[test]
    fn large_loads_stay_finite() {
        let t = Target {
            service_level: 0.8,
            seconds: 20.0,
            max_asa_seconds: None,
            max_occupancy: 1.0,
        };
        let p = required_servers(5000.0, 300.0, &t);
        assert!(
            p.service_level.is_finite() && p.agents > 5000 && p.agents < 5200,
            "{p:?}"
        );
        assert_eq!(required_servers(0.0, 300.0, &t).agents, 0);
    }
}
