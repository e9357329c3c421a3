//! What the kernel says about a process: the CPU time it has used and its
//! resident memory, from `/proc/<pid>/stat` and `/proc/<pid>/status`.

use anyhow::Context;

/// Clock ticks per second in `/proc/<pid>/stat` (USER_HZ). Linux fixes it at
/// 100 for user space on every architecture it runs on, whatever the kernel's
/// own tick rate.
pub const TICKS_PER_SECOND: f64 = 100.0;

/// One reading of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// User plus system time, in clock ticks, over all its threads so far.
    pub cpu_ticks: u64,
    pub rss_kib: u64,
}

impl Sample {
    /// CPU seconds used between `earlier` and this reading.
    pub fn cpu_seconds_since(&self, earlier: &Sample) -> f64 {
        self.cpu_ticks.saturating_sub(earlier.cpu_ticks) as f64 / TICKS_PER_SECOND
    }

    /// Resident memory gained since `earlier`, in KiB (negative when it shrank).
    pub fn rss_kib_since(&self, earlier: &Sample) -> i64 {
        self.rss_kib as i64 - earlier.rss_kib as i64
    }
}

/// Reads both files of `pid`; fails when the process is gone.
pub fn sample(pid: u32) -> anyhow::Result<Sample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("read /proc/{pid}/stat"))?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("read /proc/{pid}/status"))?;
    Ok(Sample {
        cpu_ticks: cpu_ticks(&stat).with_context(|| format!("no utime/stime in /proc/{pid}/stat"))?,
        rss_kib: rss_kib(&status).with_context(|| format!("no VmRSS in /proc/{pid}/status"))?,
    })
}

/// The whole machine's CPU time so far, in clock ticks over all cores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MachineSample {
    pub busy: u64,
    pub total: u64,
}

impl MachineSample {
    /// The share of all cores' time that was busy since `earlier`, in percent.
    pub fn busy_percent_since(&self, earlier: &MachineSample) -> Option<f64> {
        let total = self.total.checked_sub(earlier.total).filter(|t| *t > 0)?;
        Some(self.busy.saturating_sub(earlier.busy) as f64 * 100.0 / total as f64)
    }

    /// Busy CPU seconds over all cores since `earlier`.
    pub fn busy_seconds_since(&self, earlier: &MachineSample) -> f64 {
        self.busy.saturating_sub(earlier.busy) as f64 / TICKS_PER_SECOND
    }
}

/// Reads the machine's CPU time from `/proc/stat`; `None` where there is none.
pub fn machine() -> Option<MachineSample> {
    machine_ticks(&std::fs::read_to_string("/proc/stat").ok()?)
}

/// The `cpu` line of `/proc/stat`: user, nice, system, idle, iowait, irq,
/// softirq, steal (guest time is already in user). Idle and iowait are not busy.
pub fn machine_ticks(stat: &str) -> Option<MachineSample> {
    let line = stat.lines().find(|line| line.starts_with("cpu "))?;
    let ticks: Vec<u64> =
        line.split_whitespace().skip(1).take(8).map(|t| t.parse().ok()).collect::<Option<_>>()?;
    let [user, nice, system, idle, iowait, irq, softirq, steal] = ticks[..] else { return None };
    let busy = user + nice + system + irq + softirq + steal;
    Some(MachineSample { busy, total: busy + idle + iowait })
}

/// A reading of each process; `None` for one whose PID is unknown or that is gone.
pub fn sample_all(pids: &[Option<u32>]) -> Vec<Option<Sample>> {
    pids.iter().map(|pid| pid.and_then(|pid| sample(pid).ok())).collect()
}

/// utime + stime (fields 14 and 15) of a `/proc/<pid>/stat` line. The
/// command name (field 2) is in parentheses and may itself hold spaces and
/// parentheses, so the fields are counted from the last `)`.
pub fn cpu_ticks(stat: &str) -> Option<u64> {
    let (_, after_name) = stat.rsplit_once(')')?;
    // After the name: state is field 3, so field n is at index n - 3.
    let mut fields = after_name.split_whitespace().skip(14 - 3);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// The `VmRSS:` line of `/proc/<pid>/status`, in KiB.
pub fn rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let mut words = line.split_whitespace().skip(1);
    let value = words.next()?.parse().ok()?;
    (words.next() == Some("kB")).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "4242 (roomcast) server) S 1 4242 4242 0 -1 4194560 1201 0 0 0 \
                        731 158 0 0 20 0 3 0 98765 123456789 2048 18446744073709551615";

    #[test]
    fn cpu_time_is_user_plus_system_ticks_counted_after_the_name() {
        assert_eq!(cpu_ticks(STAT), Some(731 + 158));
    }

    #[test]
    fn a_truncated_or_nameless_stat_line_gives_no_cpu_time() {
        assert_eq!(cpu_ticks("4242 (x) S 1 2 3"), None);
        assert_eq!(cpu_ticks("no parenthesis here"), None);
        assert_eq!(cpu_ticks("1 (x) S 1 1 1 0 -1 0 0 0 0 0 lots 1"), None);
    }

    #[test]
    fn resident_memory_is_read_from_the_vmrss_line_in_kib() {
        let status = "Name:\troomcast-server\nVmHWM:\t  20000 kB\nVmRSS:\t   17408 kB\nThreads:\t3\n";
        assert_eq!(rss_kib(status), Some(17408));
        assert_eq!(rss_kib("Name:\tx\n"), None);
        assert_eq!(rss_kib("VmRSS:\t12 MB\n"), None);
    }

    #[test]
    fn deltas_between_samples_are_in_seconds_and_kib() {
        let before = Sample { cpu_ticks: 100, rss_kib: 10_000 };
        let after = Sample { cpu_ticks: 350, rss_kib: 9_000 };
        assert_eq!(after.cpu_seconds_since(&before), 2.5);
        assert_eq!(after.rss_kib_since(&before), -1000);
        assert_eq!(before.cpu_seconds_since(&after), 0.0);
    }

    #[test]
    fn machine_busy_time_leaves_out_idle_and_iowait() {
        let before = machine_ticks("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8\n").unwrap();
        let after = machine_ticks("cpu  200 0 100 1000 50 0 50 0 0 0\n").unwrap();
        assert_eq!(before, MachineSample { busy: 150, total: 1000 });
        assert_eq!(after.busy_percent_since(&before), Some(50.0));
        assert_eq!(after.busy_seconds_since(&before), 2.0);
        assert_eq!(before.busy_percent_since(&before), None);
        assert_eq!(machine_ticks("cpu  1 2 3\n"), None);
    }

    #[test]
    fn this_process_can_be_sampled() {
        let sample = sample(std::process::id()).unwrap();
        assert!(sample.rss_kib > 0);
    }
}
