//! `Accept-Language` (RFC 9110 §12.5.4), read within fixed bounds: whatever a client sends,
//! choosing a language costs at most `MAX_HEADER_BYTES` of reading and `MAX_RANGES` matches.

use super::Lang;

/// Browsers send well under 100 bytes; a longer header is read only this far.
pub const MAX_HEADER_BYTES: usize = 256;
/// Language ranges considered, in the order sent; later ones are ignored.
pub const MAX_RANGES: usize = 12;

/// The served language of the highest-weighted range that `matches` one (the first sent
/// on a tie), or `None`. Ranges with `q=0` or an unreadable weight are skipped.
pub fn best(header: &str, matches: impl Fn(&str) -> Option<Lang>) -> Option<Lang> {
    let mut read = header;
    if read.len() > MAX_HEADER_BYTES {
        // Cut at a character boundary and drop the range the cut went through.
        let mut cut = MAX_HEADER_BYTES;
        while !read.is_char_boundary(cut) {
            cut -= 1;
        }
        read = &read[..cut];
        read = read.rsplit_once(',').map_or("", |(kept, _)| kept);
    }
    let mut chosen: Option<(u16, Lang)> = None;
    for range in read.split(',').take(MAX_RANGES) {
        let mut parts = range.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let Some(weight) = weight(parts) else {
            continue;
        };
        if tag.is_empty() || weight == 0 || chosen.is_some_and(|(w, _)| w >= weight) {
            continue;
        }
        if let Some(lang) = matches(tag) {
            chosen = Some((weight, lang));
        }
    }
    chosen.map(|(_, lang)| lang)
}

/// The weight in thousandths (`q=0.8` → 800; none → 1000), or `None` when unreadable.
fn weight<'a>(params: impl Iterator<Item = &'a str>) -> Option<u16> {
    for param in params {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("q") {
            continue;
        }
        let value = value.trim();
        let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
        if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
        return match whole {
            "0" => Some(thousandths),
            "1" if thousandths == 0 => Some(1000),
            _ => None,
        };
    }
    Some(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(header: &str) -> Option<u8> {
        best(header, |t| match t.to_ascii_lowercase().as_str() {
            "en" | "en-gb" | "en-us" => Some(Lang(0)),
            "da" | "da-dk" => Some(Lang(1)),
            _ => None,
        })
        .map(|l| l.0)
    }

    #[test]
    fn weights_order_and_ties() {
        assert_eq!(pick("da"), Some(1));
        assert_eq!(pick("da-DK,da;q=0.9,en-US;q=0.8,en;q=0.7"), Some(1));
        assert_eq!(pick("en;q=0.5, da;q=0.8"), Some(1));
        assert_eq!(pick("de-DE, en;q=0.3, da;q=0.2"), Some(0));
        assert_eq!(pick("en, da"), Some(0), "the first on a tie");
        assert_eq!(pick("da;q=0, en;q=0.1"), Some(0), "q=0 is not acceptable");
        assert_eq!(pick("fr, de"), None);
        assert_eq!(pick("da;q=2, en;q=0.1"), Some(0), "an unreadable weight");
        assert_eq!(pick("da;q=1.000"), Some(1));
        assert_eq!(pick(""), None);
    }

    #[test]
    fn only_a_bounded_part_is_read() {
        let many = format!("{}da", "fr,".repeat(MAX_RANGES));
        assert_eq!(pick(&many), None, "ranges past the limit are ignored");
        let long = format!("{}, da", "x".repeat(MAX_HEADER_BYTES));
        assert_eq!(pick(&long), None);
        let cut_inside = format!("en;q=0.1,{}da", " ".repeat(MAX_HEADER_BYTES - 10));
        assert_eq!(pick(&cut_inside), Some(0), "the cut range is dropped");
        assert_eq!(pick(&"ø".repeat(200)), None, "cut at a character boundary");
    }
}
