//! Dates as people read them in the message list: which local day a
//! message belongs to, the words of a day separator ("Today", "Yesterday",
//! "Monday 23 November", with the year when it is not this year), the full
//! date and time of a message for its tooltip, and the ISO 8601 form for
//! `<time datetime>`. Pure: the caller passes the time zone's offset (from
//! [`crate::browser::utc_offset_minutes`], which follows summer time), so
//! the rules are unit-tested on the host.

const MS_PER_MINUTE: i64 = 60_000;
const MINUTES_PER_DAY: i64 = 24 * 60;

const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// One day of the calendar in the reader's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalDay {
    /// Days since 1970-01-01: consecutive days differ by one.
    days: i64,
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
}

/// A moment in the reader's time zone: its day and its minute of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub day: LocalDay,
    /// Minutes since local midnight, 0 to 1439.
    pub minute: u32,
    /// Seconds into the minute.
    pub second: u32,
    offset_minutes: i32,
}

impl LocalDay {
    /// The day after the Unix epoch's `days`-th (negative before it).
    fn from_days(days: i64) -> Self {
        let (year, month, day) = civil_from_days(days);
        LocalDay { days, year, month, day }
    }

    /// "Monday", ...: 1970-01-01 was a Thursday.
    pub fn weekday(&self) -> &'static str {
        WEEKDAYS[(self.days + 3).rem_euclid(7) as usize]
    }

    pub fn month_name(&self) -> &'static str {
        MONTHS[(self.month - 1) as usize]
    }

    /// `2025-11-30`, a stable key for the day.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// "Monday 23 November", with " 2024" when it is not `today`'s year.
    pub fn long(&self, today: LocalDay) -> String {
        let date = format!("{} {} {}", self.weekday(), self.day, self.month_name());
        if self.year == today.year {
            date
        } else {
            format!("{date} {}", self.year)
        }
    }

    /// The words of the separator above this day's first message.
    pub fn label(&self, today: LocalDay) -> String {
        match today.days - self.days {
            0 => "Today".to_owned(),
            1 => "Yesterday".to_owned(),
            _ => self.long(today),
        }
    }
}

impl LocalTime {
    /// `ts_ms` (milliseconds since the epoch) in a zone `offset_minutes`
    /// east of UTC.
    pub fn at(ts_ms: f64, offset_minutes: i32) -> Self {
        let ms = if ts_ms.is_finite() { ts_ms as i64 } else { 0 };
        let local_ms = ms + i64::from(offset_minutes) * MS_PER_MINUTE;
        let minutes = local_ms.div_euclid(MS_PER_MINUTE);
        let second = (local_ms.rem_euclid(MS_PER_MINUTE) / 1_000) as u32;
        let day = LocalDay::from_days(minutes.div_euclid(MINUTES_PER_DAY));
        let minute = minutes.rem_euclid(MINUTES_PER_DAY) as u32;
        LocalTime { day, minute, second, offset_minutes }
    }

    /// `HH:MM`.
    pub fn clock(&self) -> String {
        format!("{:02}:{:02}", self.minute / 60, self.minute % 60)
    }

    /// "Monday 30 November 2025 at 06:20": always with the year, for the
    /// tooltip of a message's time.
    pub fn full(&self) -> String {
        let day = &self.day;
        format!("{} {} {} {} at {}", day.weekday(), day.day, day.month_name(), day.year, self.clock())
    }

    /// `2025-11-30T06:20:05+01:00`, for `<time datetime>`.
    pub fn iso(&self) -> String {
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let offset = self.offset_minutes.unsigned_abs();
        format!(
            "{}T{}:{:02}{sign}{:02}:{:02}",
            self.day.iso(),
            self.clock(),
            self.second,
            offset / 60,
            offset % 60
        )
    }
}

/// Milliseconds from `now_ms` to the next local midnight, when "Today"
/// becomes "Yesterday".
pub fn ms_until_midnight(now_ms: f64, offset_minutes: i32) -> f64 {
    let local = now_ms + f64::from(offset_minutes) * MS_PER_MINUTE as f64;
    let day_ms = (MINUTES_PER_DAY * MS_PER_MINUTE) as f64;
    day_ms - local.rem_euclid(day_ms)
}

/// (year, month, day) of the `days`-th day after 1970-01-01, in the
/// proleptic Gregorian calendar (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2025-11-30 05:20:00 UTC, a Sunday.
    const SUNDAY: f64 = 1_764_480_000_000.0;
    const DAY: f64 = 86_400_000.0;

    fn day(ts: f64, offset: i32) -> LocalDay {
        LocalTime::at(ts, offset).day
    }

    #[test]
    fn days_are_read_in_the_local_time_zone() {
        assert_eq!(day(SUNDAY, 0).iso(), "2025-11-30");
        assert_eq!(day(SUNDAY, -330).iso(), "2025-11-29", "west of UTC it is still Saturday evening");
        assert_eq!(day(SUNDAY, 19 * 60).iso(), "2025-12-01", "far east it is Monday already");
        assert_eq!(day(0.0, 0).iso(), "1970-01-01");
        assert_eq!(day(-1.0, 0).iso(), "1969-12-31");
        assert_eq!(day(951_782_400_000.0, 0).iso(), "2000-02-29", "a leap day");
    }

    #[test]
    fn a_separator_says_today_yesterday_or_the_date_with_the_year_only_when_it_differs() {
        let today = day(SUNDAY, 60);
        let label = |ts: f64| day(ts, 60).label(today);
        assert_eq!(label(SUNDAY - 3_600_000.0), "Today");
        assert_eq!(label(SUNDAY - DAY), "Yesterday");
        assert_eq!(label(SUNDAY - 2.0 * DAY), "Friday 28 November");
        assert_eq!(label(SUNDAY - 7.0 * DAY), "Sunday 23 November");
        assert_eq!(label(SUNDAY - 365.0 * DAY), "Saturday 30 November 2024");
        assert_eq!(label(SUNDAY + 2.0 * DAY), "Tuesday 2 December", "a clock ahead shows a date, not today");
    }

    #[test]
    fn just_before_and_after_local_midnight_are_two_days() {
        // 23:59 and 00:01 in a zone one hour east of UTC.
        let offset = 60;
        let midnight = SUNDAY + ms_until_midnight(SUNDAY, offset);
        let before = LocalTime::at(midnight - 60_000.0, offset);
        let after = LocalTime::at(midnight + 60_000.0, offset);
        assert_eq!((before.day.iso(), before.clock()), ("2025-11-30".to_owned(), "23:59".to_owned()));
        assert_eq!((after.day.iso(), after.clock()), ("2025-12-01".to_owned(), "00:01".to_owned()));
        assert_eq!(after.day.label(before.day), "Monday 1 December");
        assert_eq!(before.day.label(after.day), "Yesterday");
    }

    #[test]
    fn the_next_midnight_is_counted_in_local_time() {
        assert_eq!(ms_until_midnight(SUNDAY, 0), DAY - (5.0 * 60.0 + 20.0) * 60_000.0);
        assert_eq!(ms_until_midnight(0.0, 0), DAY, "at midnight the next one is a day away");
        assert_eq!(ms_until_midnight(SUNDAY, 120), DAY - (7.0 * 60.0 + 20.0) * 60_000.0);
    }

    #[test]
    fn a_time_has_a_full_form_for_people_and_an_iso_form_with_its_offset() {
        let time = LocalTime::at(SUNDAY + 5_000.0, 60);
        assert_eq!(time.clock(), "06:20");
        assert_eq!(time.full(), "Sunday 30 November 2025 at 06:20");
        assert_eq!(time.iso(), "2025-11-30T06:20:05+01:00");
        assert_eq!(LocalTime::at(SUNDAY, -330).iso(), "2025-11-29T23:50:00-05:30");
        assert_eq!(LocalTime::at(SUNDAY, 0).iso(), "2025-11-30T05:20:00+00:00");
    }

    #[test]
    fn the_clock_shows_local_hours_and_minutes() {
        let clock = |ts: f64, offset: i32| LocalTime::at(ts, offset).clock();
        assert_eq!(clock(SUNDAY, 0), "05:20");
        assert_eq!(clock(SUNDAY, 60), "06:20");
        assert_eq!(clock(SUNDAY, -330), "23:50", "the day before, west of UTC");
        assert_eq!(clock(SUNDAY + 59_999.0, 0), "05:20");
    }

    #[test]
    fn every_weekday_and_month_has_its_name() {
        let names: Vec<&str> = (0..7).map(|n| day(SUNDAY + f64::from(n) * DAY, 0).weekday()).collect();
        assert_eq!(names, ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]);
        let start = 1_735_732_800_000.0; // 2025-01-01 12:00 UTC
        let months: Vec<&str> =
            (0..12).map(|n| day(start + f64::from(n) * 31.0 * DAY, 0).month_name()).collect();
        assert_eq!(months, MONTHS);
    }
}
