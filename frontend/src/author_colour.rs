//! Each author's colour: a hash of the display name picks one of a few
//! text colours, so a name has the same colour in every room, on every
//! device and after every reload, and neighbours in a conversation are
//! easy to tell apart. The colours are Tailwind classes with the colour
//! written out (`text-[#7dd3fc]`), so the unit tests check the very colour
//! the page uses: each keeps a contrast of at least 4.5:1 (WCAG AA) on the
//! backgrounds names sit on. Our own name keeps the accent colour and is
//! not drawn from here.

/// Text colours for names, light tints of eight hues. Red and amber are
/// left out: they mean "failed" and "queued" on this page.
pub const PALETTE: [&str; 8] = [
    "text-[#7dd3fc]", // sky
    "text-[#5eead4]", // teal
    "text-[#bef264]", // lime
    "text-[#fdba74]", // orange
    "text-[#f9a8d4]", // pink
    "text-[#c4b5fd]", // violet
    "text-[#fef08a]", // yellow
    "text-[#f0abfc]", // fuchsia
];

/// The colour class of `name`: FNV-1a over its UTF-8 bytes, so it never
/// depends on the build, the platform or the order names were seen in.
pub fn author_colour(name: &str) -> &'static str {
    let hash =
        name.bytes().fold(0x811c_9dc5_u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193));
    PALETTE[hash as usize % PALETTE.len()]
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// The page's backgrounds behind names (tailwind.config.js): the
    /// message list (`ink-950`) and the side panels (`ink-900`).
    const BACKGROUNDS: [u32; 2] = [0x0b0f19, 0x141824];

    fn hex_of(class: &str) -> u32 {
        let hex =
            class.strip_prefix("text-[#").and_then(|rest| rest.strip_suffix(']')).expect("text-[#rrggbb]");
        u32::from_str_radix(hex, 16).expect("six hex digits")
    }

    /// WCAG 2 relative luminance of an sRGB colour.
    fn luminance(rgb: u32) -> f64 {
        let channel = |shift: u32| {
            let c = f64::from((rgb >> shift) & 0xff) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0)
    }

    fn contrast(a: u32, b: u32) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn every_colour_is_readable_on_every_background_behind_a_name() {
        for class in PALETTE {
            for background in BACKGROUNDS {
                let ratio = contrast(hex_of(class), background);
                assert!(ratio >= 4.5, "{class} on #{background:06x} is only {ratio:.2}:1");
            }
        }
        // The rule is the real WCAG one: white on black is 21:1, grey on grey 1:1.
        assert!((contrast(0xffffff, 0x000000) - 21.0).abs() < 1e-9);
        assert!((contrast(0x777777, 0x777777) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_name_always_gets_the_same_colour() {
        assert_eq!(author_colour("Ada"), author_colour("Ada"));
        // Fixed for good: a change here would recolour everyone.
        assert_eq!(author_colour(""), PALETTE[0x811c_9dc5 % 8]);
        assert_eq!(author_colour("Ada"), "text-[#fdba74]");
        assert_eq!(author_colour("Bob"), "text-[#f9a8d4]");
    }

    #[test]
    fn names_spread_over_the_whole_palette() {
        let used: HashSet<&str> = (0..64).map(|n| author_colour(&format!("person {n}"))).collect();
        assert_eq!(used.len(), PALETTE.len());
        let distinct: HashSet<&str> = PALETTE.into_iter().collect();
        assert_eq!(distinct.len(), PALETTE.len(), "no colour twice");
        let similar = ["Ada", "Adb", "ada", "Ada "].map(author_colour);
        assert!(
            similar.iter().collect::<HashSet<_>>().len() > 1,
            "near-identical names may differ: {similar:?}"
        );
    }
}
