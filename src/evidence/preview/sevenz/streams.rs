//! The streams part of a 7z header: packed streams, folders (coder chains) and the sizes
//! of the files they unpack to. Every count is checked against the bytes that follow it.

use super::{AES, id};
use crate::evidence::preview::{PreviewRefusal, PreviewResult, limits};

/// Reads the header's bytes; every failure is [`PreviewRefusal::Corrupt`].
pub(super) struct Bytes<'a> {
    pub b: &'a [u8],
    pub at: usize,
}

impl<'a> Bytes<'a> {
    pub(super) fn left(&self) -> usize {
        self.b.len() - self.at
    }
    pub(super) fn byte(&mut self) -> PreviewResult<u8> {
        let b = *self.b.get(self.at).ok_or(PreviewRefusal::Corrupt)?;
        self.at += 1;
        Ok(b)
    }
    pub(super) fn take(&mut self, n: u64) -> PreviewResult<&'a [u8]> {
        if n > self.left() as u64 {
            return Err(PreviewRefusal::Corrupt);
        }
        let slice = &self.b[self.at..self.at + n as usize];
        self.at += n as usize;
        Ok(slice)
    }
    /// 7z's NUMBER: the first byte's leading ones say how many bytes follow.
    pub(super) fn number(&mut self) -> PreviewResult<u64> {
        let first = self.byte()? as u64;
        let mut mask = 0x80u64;
        let mut value = 0u64;
        for i in 0..8 {
            if first & mask == 0 {
                let high = first & (mask - 1);
                return Ok(value | (high << (8 * i)));
            }
            value |= (self.byte()? as u64) << (8 * i);
            mask >>= 1;
        }
        Ok(value)
    }
    /// A count of things that each take at least `per_byte`⁻¹ bytes of what follows.
    pub(super) fn count(&mut self, per_byte: u64) -> PreviewResult<u64> {
        let n = self.number()?;
        if n > (self.left() as u64 + 1).saturating_mul(per_byte) {
            return Err(PreviewRefusal::Corrupt);
        }
        Ok(n)
    }
    /// Skips a digests record for `n` streams.
    pub(super) fn skip_digests(&mut self, n: u64) -> PreviewResult<()> {
        let defined = if self.byte()? == 0 {
            let bits = self.take(n.div_ceil(8))?;
            (0..n).filter(|&i| bit(bits, i)).count() as u64
        } else {
            n
        };
        self.take(defined.saturating_mul(4))?;
        Ok(())
    }
}

pub(super) fn bit(bits: &[u8], i: u64) -> bool {
    bits.get((i / 8) as usize)
        .is_some_and(|b| b & (0x80 >> (i % 8)) != 0)
}

#[derive(Debug, Default)]
pub(super) struct Coder {
    pub id: Vec<u8>,
    pub props: Vec<u8>,
}

#[derive(Debug, Default)]
pub(super) struct Folder {
    pub coders: Vec<Coder>,
    /// The size of the folder's final output.
    pub unpack_size: u64,
    has_crc: bool,
    substreams: u64,
    /// Outputs of all its coders, and which of them feed another coder.
    outputs: u64,
    bound_outputs: Vec<u64>,
}

impl Folder {
    pub(super) fn encrypted(&self) -> bool {
        self.coders.iter().any(|c| c.id == AES)
    }
}

#[derive(Debug, Default)]
pub(super) struct Streams {
    pub pack_pos: u64,
    pub first_pack_size: Option<u64>,
    pub folders: Vec<Folder>,
    /// The sizes of the first [`limits::WALK_ENTRIES`] files with data, in order.
    pub sizes: Vec<u64>,
}

fn folder(r: &mut Bytes<'_>) -> PreviewResult<Folder> {
    let coders = r.count(1)?;
    if coders == 0 || coders > 64 {
        return Err(PreviewRefusal::Corrupt);
    }
    let mut folder = Folder::default();
    let (mut ins, mut outs) = (0u64, 0u64);
    for _ in 0..coders {
        let flag = r.byte()?;
        if flag & 0x80 != 0 {
            return Err(PreviewRefusal::Corrupt);
        }
        let id = r.take((flag & 0x0F) as u64)?.to_vec();
        let (i, o) = if flag & 0x10 != 0 {
            (r.number()?, r.number()?)
        } else {
            (1, 1)
        };
        if i > 64 || o > 64 {
            return Err(PreviewRefusal::Corrupt);
        }
        ins += i;
        outs += o;
        let props = if flag & 0x20 != 0 {
            let n = r.number()?;
            r.take(n)?.to_vec()
        } else {
            Vec::new()
        };
        folder.coders.push(Coder { id, props });
    }
    let bind_pairs = outs.checked_sub(1).ok_or(PreviewRefusal::Corrupt)?;
    for _ in 0..bind_pairs {
        r.number()?;
        folder.bound_outputs.push(r.number()?);
    }
    let packed = ins.checked_sub(bind_pairs).ok_or(PreviewRefusal::Corrupt)?;
    if packed > 1 {
        for _ in 0..packed {
            r.number()?;
        }
    }
    folder.outputs = outs;
    folder.substreams = 1;
    Ok(folder)
}

pub(super) fn streams_info(r: &mut Bytes<'_>) -> PreviewResult<Streams> {
    let mut s = Streams::default();
    let mut have_substreams = false;
    loop {
        match r.number()? {
            id::END => break,
            id::PACK_INFO => {
                s.pack_pos = r.number()?;
                let n = r.count(1)?;
                loop {
                    match r.number()? {
                        id::END => break,
                        id::SIZE => {
                            for i in 0..n {
                                let size = r.number()?;
                                if i == 0 {
                                    s.first_pack_size = Some(size);
                                }
                            }
                        }
                        id::CRC => r.skip_digests(n)?,
                        _ => return Err(PreviewRefusal::Corrupt),
                    }
                }
            }
            id::UNPACK_INFO => {
                if r.number()? != id::FOLDER {
                    return Err(PreviewRefusal::Corrupt);
                }
                let n = r.count(1)?;
                if r.byte()? != 0 {
                    return Err(PreviewRefusal::Corrupt);
                }
                for _ in 0..n {
                    s.folders.push(folder(r)?);
                }
                if r.number()? != id::UNPACK_SIZE {
                    return Err(PreviewRefusal::Corrupt);
                }
                for f in &mut s.folders {
                    // The folder's own output is the one no bind pair feeds on.
                    for index in 0..f.outputs {
                        let size = r.number()?;
                        if !f.bound_outputs.contains(&index) {
                            f.unpack_size = size;
                        }
                    }
                }
                loop {
                    match r.number()? {
                        id::END => break,
                        id::CRC => {
                            let defined_all = r.byte()? != 0;
                            let bits = if defined_all {
                                &[][..]
                            } else {
                                r.take(n.div_ceil(8))?
                            };
                            let mut defined = 0u64;
                            for (i, f) in s.folders.iter_mut().enumerate() {
                                f.has_crc = defined_all || bit(bits, i as u64);
                                defined += f.has_crc as u64;
                            }
                            r.take(defined * 4)?;
                        }
                        _ => return Err(PreviewRefusal::Corrupt),
                    }
                }
            }
            id::SUBSTREAMS => {
                have_substreams = true;
                substreams_info(r, &mut s)?;
            }
            _ => return Err(PreviewRefusal::Corrupt),
        }
    }
    if !have_substreams {
        for f in &s.folders {
            push_size(&mut s.sizes, f.unpack_size);
        }
    }
    Ok(s)
}

fn push_size(sizes: &mut Vec<u64>, size: u64) {
    if (sizes.len() as u64) < limits::WALK_ENTRIES {
        sizes.push(size);
    }
}

fn substreams_info(r: &mut Bytes<'_>, s: &mut Streams) -> PreviewResult<()> {
    let mut sized = false;
    loop {
        match r.number()? {
            id::END => break,
            id::NUM_UNPACK_STREAM => {
                let mut total = 0u64;
                for f in &mut s.folders {
                    f.substreams = r.number()?;
                    total = total.saturating_add(f.substreams);
                }
                if total > limits::ARCHIVE_HEADER_BYTES {
                    return Err(PreviewRefusal::Corrupt);
                }
            }
            id::SIZE => {
                sized = true;
                for f in &s.folders {
                    if f.substreams == 0 {
                        continue;
                    }
                    let mut sum = 0u64;
                    for _ in 1..f.substreams {
                        let size = r.number()?;
                        sum = sum.saturating_add(size);
                        push_size(&mut s.sizes, size);
                    }
                    push_size(&mut s.sizes, f.unpack_size.saturating_sub(sum));
                }
            }
            id::CRC => {
                let n = s
                    .folders
                    .iter()
                    .filter(|f| !(f.substreams == 1 && f.has_crc))
                    .map(|f| f.substreams)
                    .sum();
                r.skip_digests(n)?;
            }
            _ => return Err(PreviewRefusal::Corrupt),
        }
    }
    if !sized {
        for f in &s.folders {
            if f.substreams == 1 {
                push_size(&mut s.sizes, f.unpack_size);
            }
        }
    }
    Ok(())
}
