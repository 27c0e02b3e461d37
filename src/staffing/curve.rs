//! The service-level curve of one queue in one interval: the service level
//! as a function of the staff scheduled on the queue, net of breaks, and its
//! concave upper envelope as linear pieces for the optimizer
//! (`docs/service-level.md`).
//!
//! Points sit at whole servers n = 0, 1, 2, …: `n / concurrency` productive
//! agents, `n / (concurrency · (1 − shrinkage))` scheduled agents (staff on
//! the queue net of breaks, before shrinkage, as the requirements count
//! them). The service level of a point is the queue's model: Erlang C, or
//! Erlang A with abandoned contacts counted as failures. Points stop where
//! the service level is within 1e-6 of 1 (or far past the load).
//!
//! The service level is convex below its inflection point (where too few
//! servers leave it near 0) and concave above it, so a linear program cannot
//! use it as it is. The optimizer uses the least concave function above the
//! points (their upper concave hull), written as lines `sl ≤ a + b · staff`.
//! Lines of the hull may be dropped while the envelope stays within
//! `tolerance` of the hull, so the envelope lies between the hull and the
//! hull plus `tolerance`. The envelope never underestimates a point; it
//! overestimates the service level only where the curve is convex (below
//! the inflection point, where staffing is very short) and by at most
//! `tolerance` elsewhere. The report (`report::evaluate`) recomputes the
//! true service level of the roster, never the envelope's.

use crate::scenario::{BelowTangent, Queue, QueueModel};

use super::erlang_a;

/// One point of the curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Staff on the queue net of breaks, before shrinkage.
    pub staff: f64,
    pub service_level: f64,
}

/// One piece of the envelope: `sl ≤ intercept + slope · staff`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Piece {
    pub intercept: f64,
    pub slope: f64,
}

impl Piece {
    /// The line's value at `staff`.
    pub fn at(&self, staff: f64) -> f64 {
        self.intercept + self.slope * staff
    }
}

/// The curve of one queue and interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub points: Vec<Point>,
    /// Lines of the envelope, slopes decreasing.
    pub pieces: Vec<Piece>,
    /// Staff at the tangent point: the first vertex of the hull after zero
    /// staff, when the hull skips points to reach it (the curve is convex
    /// there and the envelope overestimates below it); `None` when the hull
    /// joins the points from the start (exact to the tolerance everywhere).
    pub tangent: Option<f64>,
    /// Below the tangent point, the highest `MAX_STEPS` points with a service
    /// level above zero, by staff: the steps of the `steps` credit.
    pub steps: Vec<Point>,
}

/// Most steps of the staircase below the tangent point (each is a binary
/// per interval in the optimizer).
pub const MAX_STEPS: usize = 3;

impl Curve {
    /// The envelope at `staff`: the lowest piece, at most 1.
    pub fn envelope(&self, staff: f64) -> f64 {
        self.pieces
            .iter()
            .map(|p| p.at(staff))
            .fold(1.0, f64::min)
            .max(0.0)
    }

    /// The service level the optimizer credits at `staff` (`below`: what it
    /// credits below the tangent point): the envelope from the tangent point
    /// on; below it the envelope (`envelope`), nothing (`zero`), or the
    /// service level of the highest step reached (`steps`). `zero` and
    /// `steps` never exceed the curve between whole servers, to the tolerance.
    pub fn credit(&self, staff: f64, below: BelowTangent) -> f64 {
        match (below, self.tangent) {
            (BelowTangent::Envelope, _) | (_, None) => self.envelope(staff),
            (_, Some(t)) if staff + 1e-9 >= t => self.envelope(staff),
            (BelowTangent::Zero, _) => 0.0,
            (BelowTangent::Steps, _) => self
                .steps
                .iter()
                .rev()
                .find(|p| staff + 1e-9 >= p.staff)
                .map_or(0.0, |p| p.service_level),
        }
    }
}

/// Largest server count examined: far past the load, where any target is met.
fn server_cap(load: f64) -> u32 {
    (load + 12.0 * load.sqrt() + 30.0).ceil() as u32
}

/// Service level at each whole number of servers, from 0 until it is within
/// 1e-6 of 1. Erlang C by the Erlang B recursion (one pass), Erlang A per n.
fn service_levels(load: f64, aht: f64, q: &Queue) -> Vec<f64> {
    let t = q.service_level.seconds;
    let cap = server_cap(load);
    let mut out = Vec::new();
    let patience = match q.model {
        QueueModel::ErlangA => q.patience_seconds,
        QueueModel::ErlangC => None,
    };
    let mut b = 1.0; // Erlang B(n, load)
    for n in 0..=cap {
        let sl = match patience {
            Some(p) => erlang_a::evaluate(n, load, aht, p, t).service_level,
            None => {
                if n > 0 {
                    b = load * b / (n as f64 + load * b);
                }
                let nf = n as f64;
                if nf <= load {
                    0.0
                } else {
                    let c = nf * b / (nf - load * (1.0 - b));
                    (1.0 - c * (-(nf - load) * t / aht).exp()).clamp(0.0, 1.0)
                }
            }
        };
        out.push(sl);
        if sl >= 1.0 - 1e-6 {
            break;
        }
    }
    out
}

/// The curve of a voice or chat queue for `volume` contacts of `aht_seconds`
/// in an interval; `None` for deferred work and intervals without contacts.
pub fn curve(
    volume: f64,
    aht_seconds: f64,
    interval_minutes: u32,
    q: &Queue,
    shrinkage: f64,
    tolerance: f64,
) -> Option<Curve> {
    if q.channel.is_deferred() || volume <= 0.0 || aht_seconds <= 0.0 {
        return None;
    }
    let load = volume * aht_seconds / (interval_minutes as f64 * 60.0);
    let per_server = 1.0 / (q.concurrency.max(1) as f64 * (1.0 - shrinkage));
    let points: Vec<Point> = service_levels(load, aht_seconds, q)
        .into_iter()
        .enumerate()
        .map(|(n, sl)| Point {
            staff: n as f64 * per_server,
            service_level: sl,
        })
        .collect();
    let hull = upper_hull(&points);
    let tangent = match hull.get(1) {
        Some(v) if v.staff > points[1].staff + 1e-12 => Some(v.staff),
        _ => None,
    };
    let pieces = envelope(&points, tolerance);
    let below: Vec<Point> = match tangent {
        Some(t) => points
            .iter()
            .filter(|p| p.staff + 1e-12 < t && p.service_level > 0.0)
            .copied()
            .collect(),
        None => Vec::new(),
    };
    let steps = below[below.len().saturating_sub(MAX_STEPS)..].to_vec();
    Some(Curve {
        points,
        pieces,
        tangent,
        steps,
    })
}

/// Lines of the upper concave hull of `points` (sorted by staff), thinned
/// while the lowest kept line stays within `tolerance` of the hull at every
/// hull vertex, each kept line then lowered by its largest excess over the
/// hull vertices it stands for. The lowest line is never above the hull (so
/// never above the service level of a whole number of servers from the
/// tangent point on, nor above the straight line between two of them) and
/// at most `tolerance` below it: the optimizer's credit never exceeds what
/// the report computes for the roster.
pub fn envelope(points: &[Point], tolerance: f64) -> Vec<Piece> {
    let hull = upper_hull(points);
    let lines: Vec<Piece> = hull
        .windows(2)
        .map(|w| {
            let slope = (w[1].service_level - w[0].service_level) / (w[1].staff - w[0].staff);
            Piece {
                intercept: w[0].service_level - slope * w[0].staff,
                slope,
            }
        })
        .collect();
    let mut kept: Vec<Piece> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        // Line i is exact on segment i; skip the segments it stays close
        // on. Standing for segments i..j, it is above the hull by at most
        // `excess` at their vertices, so by at most that between them (the
        // gap of two straight lines is largest at an end). Lowered by it,
        // the line must stay at or above zero at zero staff (slopes are
        // never negative), or the credit's lower bound of zero would
        // forbid small staff.
        let mut j = i + 1;
        let mut excess: f64 = 0.0;
        while j < lines.len() {
            let over = lines[i].at(hull[j + 1].staff) - hull[j + 1].service_level;
            if over > tolerance || lines[i].intercept - excess.max(over) < 0.0 {
                break;
            }
            excess = excess.max(over);
            j += 1;
        }
        kept.push(Piece {
            intercept: lines[i].intercept - excess,
            ..lines[i]
        });
        i = j;
    }
    kept
}

/// Vertices of the upper concave hull of `points` (sorted by staff).
fn upper_hull(points: &[Point]) -> Vec<Point> {
    let mut hull: Vec<Point> = Vec::new();
    for &p in points {
        while hull.len() >= 2 {
            let a = hull[hull.len() - 2];
            let b = hull[hull.len() - 1];
            // b is on or below the chord a → p: not a vertex of the upper hull.
            let cross = (b.staff - a.staff) * (p.service_level - a.service_level)
                - (b.service_level - a.service_level) * (p.staff - a.staff);
            if cross >= 0.0 {
                hull.pop();
            } else {
                break;
            }
        }
        hull.push(p);
    }
    hull
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staffing::erlang;

    fn queue(yaml: &str) -> Queue {
        serde_yaml::from_str(yaml).unwrap()
    }

    fn voice() -> Queue {
        queue("{ id: q, channel: voice, service_level: { target: 0.8, seconds: 20 } }")
    }

    #[test]
    fn points_match_the_domain_check_values() {
        // DOMAIN.md: A = 10, n = 14, AHT 180 s → SL(20 s) = 0.8884.
        // 100 contacts in 30 minutes of 180 s is 10 Erlangs.
        let c = curve(100.0, 180.0, 30, &voice(), 0.0, 0.0).unwrap();
        assert!((c.points[14].staff - 14.0).abs() < 1e-12);
        assert!((c.points[14].service_level - 0.8884).abs() < 5e-5);
        assert_eq!(c.points[10].service_level, 0.0, "n = A is unstable");
        // With shrinkage 0.3, the 14th server is 20 scheduled agents.
        let c = curve(100.0, 180.0, 30, &voice(), 0.3, 0.0).unwrap();
        assert!((c.points[14].staff - 20.0).abs() < 1e-9);
    }

    #[test]
    fn points_agree_with_the_staffing_models() {
        let q = voice();
        let c = curve(37.0, 240.0, 15, &q, 0.0, 0.0).unwrap();
        for (n, p) in c.points.iter().enumerate() {
            let sl = erlang::service_level(n as u32, 37.0 * 240.0 / 900.0, 240.0, 20.0);
            assert!((p.service_level - sl).abs() < 1e-9, "n = {n}");
        }
        let a = queue(
            "{ id: q, channel: voice, model: erlang_a, patience_seconds: 90, service_level: { target: 0.8, seconds: 20 } }",
        );
        let c = curve(100.0, 180.0, 30, &a, 0.0, 0.0).unwrap();
        let sl = erlang_a::evaluate(12, 10.0, 180.0, 90.0, 20.0).service_level;
        assert!((c.points[12].service_level - sl).abs() < 1e-12);
    }

    #[test]
    fn chat_points_are_sessions_over_concurrency() {
        let chat = queue(
            "{ id: c, channel: chat, concurrency: 2, service_level: { target: 0.8, seconds: 30 } }",
        );
        let c = curve(100.0, 360.0, 30, &chat, 0.0, 0.0).unwrap();
        // 20 Erlangs of sessions; 28 servers are 14 agents.
        assert!((c.points[28].staff - 14.0).abs() < 1e-12);
        let sl = erlang::service_level(28, 20.0, 360.0, 30.0);
        assert!((c.points[28].service_level - sl).abs() < 1e-12);
    }

    fn check_envelope(c: &Curve, tol: f64) {
        // Slopes decrease (concave) and are never negative.
        for w in c.pieces.windows(2) {
            assert!(w[1].slope < w[0].slope + 1e-12);
        }
        assert!(c.pieces.iter().all(|p| p.slope >= -1e-12));
        // At most the tolerance below a point; from the tangent point on,
        // never above a point nor above the line between two neighbours.
        for p in &c.points {
            let e = c.envelope(p.staff);
            assert!(
                e + tol + 1e-9 >= p.service_level,
                "{e} < {}",
                p.service_level
            );
        }
        let from = c.tangent.unwrap_or(0.0);
        for w in c.points.windows(2).filter(|w| w[0].staff + 1e-9 >= from) {
            for f in [0.0, 0.3, 0.5, 1.0] {
                let x = w[0].staff + f * (w[1].staff - w[0].staff);
                let line = w[0].service_level + f * (w[1].service_level - w[0].service_level);
                let over = c.envelope(x) - line;
                assert!(over <= 1e-9, "{over} above the curve at {x}");
            }
        }
        // The conservative credits never exceed a point (nor the point
        // below a staff between whole servers), and are the envelope from
        // the tangent point on.
        for below in [BelowTangent::Steps, BelowTangent::Zero] {
            for w in c.points.windows(2) {
                let mid = 0.5 * (w[0].staff + w[1].staff);
                assert!(c.credit(w[0].staff, below) <= w[0].service_level + 1e-9);
                if c.tangent.is_some_and(|t| w[1].staff <= t + 1e-9) {
                    assert!(c.credit(mid, below) <= w[0].service_level + 1e-9);
                }
            }
            if let Some(t) = c.tangent {
                assert!(c.credit(t, below) > 0.0);
                assert_eq!(c.credit(t, below), c.envelope(t));
            }
        }
        if let Some(t) = c.tangent {
            assert_eq!(c.credit(t * 0.999, BelowTangent::Zero), 0.0);
        }
    }

    #[test]
    fn tangent_only_where_the_hull_skips_points() {
        // 10 Erlangs: SL is 0 up to 10 servers, so the hull skips them.
        let c = curve(100.0, 180.0, 30, &voice(), 0.0, 0.0).unwrap();
        let t = c.tangent.unwrap();
        assert!(t > 11.0 && t < 16.0, "{t}");
        assert!(
            c.envelope(10.0) > 0.3,
            "the envelope overestimates below it"
        );
    }

    #[test]
    fn steps_credit_erlang_c_at_whole_servers_below_the_tangent() {
        // 10 Erlangs of 180 s in 30 minutes, threshold 20 s.
        let c = curve(100.0, 180.0, 30, &voice(), 0.0, 0.0).unwrap();
        let t = c.tangent.unwrap();
        let sl = |n: u32| erlang::service_level(n, 10.0, 180.0, 20.0);
        assert_eq!(c.steps.len(), MAX_STEPS);
        for n in 11..(t as u32) {
            let x = n as f64 + 0.5;
            let got = c.credit(x, BelowTangent::Steps);
            if n + MAX_STEPS as u32 >= t as u32 {
                assert!((got - sl(n)).abs() < 1e-9, "n = {n}: {got}");
            }
            // Never more than Erlang C delivers at that staff.
            assert!(got <= sl(n) + 1e-9);
            assert_eq!(c.credit(x, BelowTangent::Zero), 0.0);
            assert!(c.credit(x, BelowTangent::Envelope) > sl(n));
        }
        // 13 servers answer about 78 % (DOMAIN.md's table for A = 10 has
        // 0.8884 at 14); `steps` sees it, `zero` does not.
        assert!(c.credit(13.0, BelowTangent::Steps) > 0.7);
        assert_eq!(c.credit(10.5, BelowTangent::Steps), 0.0, "unstable");
        let above = c.credit(t + 1.0, BelowTangent::Steps);
        assert_eq!(above, c.envelope(t + 1.0));
    }

    #[test]
    fn envelope_is_concave_and_never_above_the_curve() {
        for (vol, aht, tol) in [
            (100.0, 180.0, 0.0),
            (2.0, 180.0, 0.0),
            (100.0, 180.0, 0.002),
            (3.0, 300.0, 0.01),
            (900.0, 200.0, 0.002),
        ] {
            let c = curve(vol, aht, 30, &voice(), 0.25, tol).unwrap();
            check_envelope(&c, tol);
        }
        let a = queue(
            "{ id: q, channel: voice, model: erlang_a, patience_seconds: 60, service_level: { target: 0.8, seconds: 20 } }",
        );
        let c = curve(200.0, 180.0, 30, &a, 0.25, 0.002).unwrap();
        check_envelope(&c, 0.002);
    }

    #[test]
    fn thinning_keeps_few_pieces() {
        let full = curve(900.0, 200.0, 30, &voice(), 0.0, 0.0).unwrap();
        let thin = curve(900.0, 200.0, 30, &voice(), 0.0, 0.002).unwrap();
        assert!(thin.pieces.len() < full.pieces.len());
        assert!(thin.pieces.len() <= 30, "{} pieces", thin.pieces.len());
    }

    #[test]
    fn no_curve_without_contacts_or_for_deferred_work() {
        assert!(curve(0.0, 180.0, 30, &voice(), 0.0, 0.0).is_none());
        let email =
            queue("{ id: e, channel: email, deadline_hours: 24, service_level: { target: 0.9 } }");
        assert!(curve(10.0, 180.0, 30, &email, 0.0, 0.0).is_none());
    }
}
