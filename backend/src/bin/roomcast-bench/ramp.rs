//! The ramp: raise the publish rate by a factor each step until a step
//! breaks the rule (p99 over the limit, or any message lost, refused or any
//! client dropped), and report the last step that held.

use serde::Serialize;

/// When a step holds, and how the rate grows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RampRule {
    /// Each step's rate is the previous one's times this.
    pub factor: f64,
    /// A step whose p99 latency is above this (in ms) breaks the ramp.
    pub max_p99_ms: f64,
    /// The ramp ends after this many steps even if every one held.
    pub max_steps: u32,
}

/// What the rule looks at in one step's result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StepOutcome {
    pub rate: f64,
    pub deliveries: u64,
    pub p99_ms: f64,
    pub lost: u64,
    pub refused: u64,
    pub disconnects: u64,
}

impl RampRule {
    /// The publish rate of step `step` (0 is the first).
    pub fn rate(&self, base: f64, step: u32) -> f64 {
        base * self.factor.powi(step as i32)
    }

    /// `Ok` when the step held, otherwise why it did not.
    pub fn verdict(&self, outcome: &StepOutcome) -> Result<(), String> {
        if outcome.deliveries == 0 {
            Err("nothing was delivered".into())
        } else if outcome.lost > 0 {
            Err(format!("{} deliveries lost", outcome.lost))
        } else if outcome.refused > 0 {
            Err(format!("{} sends refused", outcome.refused))
        } else if outcome.disconnects > 0 {
            Err(format!("{} clients disconnected", outcome.disconnects))
        } else if outcome.p99_ms > self.max_p99_ms {
            Err(format!("p99 {:.1} ms > {} ms", outcome.p99_ms, self.max_p99_ms))
        } else {
            Ok(())
        }
    }

    /// Whether to run step `next` after a step with this verdict.
    pub fn goes_on(&self, verdict: &Result<(), String>, next: u32) -> bool {
        verdict.is_ok() && next < self.max_steps
    }
}

/// How many steps held, from the steps' outcomes in order: the ramp stops at
/// the first one that breaks, so the last that held is the one just before it.
pub fn held_steps(rule: &RampRule, outcomes: &[StepOutcome]) -> usize {
    outcomes.iter().take_while(|outcome| rule.verdict(outcome).is_ok()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: RampRule = RampRule { factor: 1.25, max_p99_ms: 100.0, max_steps: 10 };

    fn good(rate: f64) -> StepOutcome {
        StepOutcome { rate, deliveries: 1000, p99_ms: 5.0, ..StepOutcome::default() }
    }

    #[test]
    fn each_step_raises_the_rate_by_a_quarter() {
        assert_eq!(RULE.rate(20.0, 0), 20.0);
        assert_eq!(RULE.rate(20.0, 1), 25.0);
        assert!((RULE.rate(20.0, 3) - 39.0625).abs() < 1e-9);
    }

    #[test]
    fn a_step_breaks_on_high_p99_or_any_loss_refusal_disconnect_or_silence() {
        assert_eq!(RULE.verdict(&good(20.0)), Ok(()));
        let broken = [
            StepOutcome { p99_ms: 100.5, ..good(20.0) },
            StepOutcome { lost: 1, ..good(20.0) },
            StepOutcome { refused: 1, ..good(20.0) },
            StepOutcome { disconnects: 1, ..good(20.0) },
            StepOutcome { deliveries: 0, ..good(20.0) },
        ];
        for outcome in broken {
            assert!(RULE.verdict(&outcome).is_err(), "{outcome:?}");
        }
        assert_eq!(RULE.verdict(&StepOutcome { p99_ms: 100.0, ..good(20.0) }), Ok(()));
    }

    #[test]
    fn the_ramp_goes_on_only_after_a_held_step_and_within_the_step_limit() {
        assert!(RULE.goes_on(&Ok(()), 9));
        assert!(!RULE.goes_on(&Ok(()), 10));
        assert!(!RULE.goes_on(&Err("lost".into()), 1));
    }

    #[test]
    fn the_last_held_step_is_the_one_before_the_first_broken_step() {
        let outcomes = [good(20.0), good(25.0), StepOutcome { lost: 3, ..good(31.25) }];
        assert_eq!(held_steps(&RULE, &outcomes), 2);
        assert_eq!(held_steps(&RULE, &outcomes[2..]), 0);
    }
}
