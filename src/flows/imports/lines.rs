//! Cutting a streamed body into lines without ever holding more than one line: a line
//! longer than the bound is reported as such and skipped to its end, unread.

/// One line of the body (without its `\n` or `\r\n`), or the mark of one over the bound.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(Vec<u8>),
    TooLong,
}

pub struct Splitter {
    max: usize,
    current: Vec<u8>,
    /// The current line passed `max`: its remaining bytes are dropped.
    overflowed: bool,
}

impl Splitter {
    pub fn new(max: usize) -> Self {
        Self {
            max,
            current: Vec::new(),
            overflowed: false,
        }
    }

    /// The lines completed by `chunk`, in order; a partial last line waits for the next.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Line> {
        let mut out = Vec::new();
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            self.take(&rest[..end]);
            out.push(self.finish_line());
            rest = &rest[end + 1..];
        }
        self.take(rest);
        out
    }

    /// The last line, when the body does not end with a newline.
    pub fn finish(mut self) -> Option<Line> {
        (self.overflowed || !self.current.is_empty()).then(|| self.finish_line())
    }

    fn take(&mut self, bytes: &[u8]) {
        if self.overflowed {
            return;
        }
        if self.current.len() + bytes.len() > self.max + 1 {
            // `+ 1`: room for the `\r` of a CRLF line of exactly `max` bytes.
            self.overflowed = true;
            self.current = Vec::new();
            return;
        }
        self.current.extend_from_slice(bytes);
    }

    fn finish_line(&mut self) -> Line {
        let mut line = std::mem::take(&mut self.current);
        if std::mem::take(&mut self.overflowed) {
            return Line::TooLong;
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.len() > self.max {
            return Line::TooLong;
        }
        Line::Text(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Line {
        Line::Text(s.as_bytes().to_vec())
    }

    #[test]
    fn lines_are_cut_across_chunks_and_crlf_is_read() {
        let mut s = Splitter::new(10);
        assert_eq!(s.feed(b"ab"), vec![]);
        assert_eq!(s.feed(b"c\r\nde\nf"), vec![text("abc"), text("de")]);
        assert_eq!(s.feed(b"\n\n"), vec![text("f"), text("")]);
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn a_line_over_the_bound_is_marked_and_skipped_unread() {
        let mut s = Splitter::new(4);
        assert_eq!(s.feed(b"abcd\nabc"), vec![text("abcd")]);
        assert_eq!(s.feed(&[b'x'; 100]), vec![]);
        assert!(s.current.is_empty(), "nothing of the long line is kept");
        assert_eq!(s.feed(b"yy\nok"), vec![Line::TooLong]);
        assert_eq!(s.finish(), Some(text("ok")));
        let mut s = Splitter::new(4);
        s.feed(b"abcdef");
        assert_eq!(s.finish(), Some(Line::TooLong));
    }
}
