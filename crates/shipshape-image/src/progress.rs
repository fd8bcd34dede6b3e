//! Byte counting for the progress hook ([`shipshape_core::progress::Progress`]).

use shipshape_core::progress::Progress;
use std::io::{self, Read};

/// A reader that reports the bytes read through it; `done` starts at the bytes done before it.
pub(crate) struct Reporting<'p, R> {
    pub(crate) inner: R,
    pub(crate) progress: &'p Progress,
    pub(crate) what: &'p str,
    pub(crate) done: u64,
    pub(crate) total: u64,
}

impl<R: Read> Read for Reporting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        self.progress.report(self.what, self.done, self.total);
        Ok(n)
    }
}
