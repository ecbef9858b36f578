//! RAR archives (4.x and 5.0) listed from their block headers. Each header says how
//! long it and the data after it are, so the walk reads a header, skips the data by
//! seeking and reads the next: nothing is decompressed. Archives whose headers are
//! encrypted (`rar -hp`) have nothing to list without the password.
//!
//! Written by hand rather than with the `unrar` crate: that crate builds RarLab's C++
//! library into the server and hands it untrusted input, while a listing needs only
//! these headers (RARLAB's "RAR 5.0 archive format" and the 4.x `technote.txt`).

use std::io::{Read, Seek, SeekFrom};

use super::{
    ArchiveFormat, Entry, Listing, ListingBuilder, PreviewRefusal, PreviewResult, capped,
    decode_name, limits,
};

const RAR4: &[u8] = b"Rar!\x1a\x07\x00";
const RAR5: &[u8] = b"Rar!\x1a\x07\x01\x00";
/// RAR 5 limits a header to 2 MB.
const MAX_HEADER: u64 = 2 * 1024 * 1024;

pub fn listing(mut file: std::fs::File, size: u64) -> PreviewResult<Listing> {
    let mut signature = [0u8; 8];
    let read = file.read(&mut signature)?;
    let mut builder = ListingBuilder::new(ArchiveFormat::Rar);
    let walked = if signature[..read].starts_with(RAR5) {
        walk5(&mut file, size, &mut builder)
    } else if signature[..read].starts_with(RAR4) {
        walk4(&mut file, size, &mut builder)
    } else {
        Err(PreviewRefusal::Corrupt)
    };
    match walked {
        Ok(more) => Ok(builder.finish(more)),
        Err(PreviewRefusal::Encrypted) => Err(PreviewRefusal::Encrypted),
        // Broken after some entries (a cut-off download, a damaged volume): what was
        // read is listed, as at least that many.
        Err(_) if builder.listing.total > 0 => Ok(builder.finish(true)),
        Err(refusal) => Err(refusal),
    }
}

/// A RAR 5 variable-length integer: 7 bits a byte, low bits first.
fn vint(bytes: &[u8], at: &mut usize) -> PreviewResult<u64> {
    let mut value = 0u64;
    for shift in (0..70).step_by(7) {
        let byte = *bytes.get(*at).ok_or(PreviewRefusal::Corrupt)?;
        *at += 1;
        if shift < 64 {
            value |= ((byte & 0x7f) as u64) << shift;
        }
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(PreviewRefusal::Corrupt)
}

fn take<'a>(bytes: &'a [u8], at: &mut usize, n: usize) -> PreviewResult<&'a [u8]> {
    let end = at.checked_add(n).ok_or(PreviewRefusal::Corrupt)?;
    let slice = bytes.get(*at..end).ok_or(PreviewRefusal::Corrupt)?;
    *at = end;
    Ok(slice)
}

/// Returns whether entries were left unwalked.
fn walk5<R: Read + Seek>(
    file: &mut R,
    size: u64,
    builder: &mut ListingBuilder,
) -> PreviewResult<bool> {
    let mut pos = RAR5.len() as u64;
    let mut main = false;
    while pos < size {
        if !builder.room() {
            return Ok(true);
        }
        file.seek(SeekFrom::Start(pos))?;
        let mut start = [0u8; 7];
        let got = read_up_to(file, &mut start)?;
        let mut at = 4;
        let header_size = vint(&start[..got], &mut at)?;
        if header_size == 0 || header_size > MAX_HEADER {
            return Err(PreviewRefusal::Corrupt);
        }
        file.seek(SeekFrom::Start(pos + at as u64))?;
        let mut header = vec![0u8; header_size as usize];
        file.read_exact(&mut header)?;
        let mut h = 0;
        let kind = vint(&header, &mut h)?;
        let flags = vint(&header, &mut h)?;
        let extra_size = if flags & 0x01 != 0 {
            vint(&header, &mut h)?
        } else {
            0
        };
        let data_size = if flags & 0x02 != 0 {
            vint(&header, &mut h)?
        } else {
            0
        };
        match kind {
            // Archive encryption header: every later header is encrypted.
            4 => return Err(PreviewRefusal::Encrypted),
            1 => main = true,
            5 => return Ok(false),
            2 => {
                let file_flags = vint(&header, &mut h)?;
                let unpacked = vint(&header, &mut h)?;
                let _attributes = vint(&header, &mut h)?;
                if file_flags & 0x02 != 0 {
                    take(&header, &mut h, 4)?;
                }
                if file_flags & 0x04 != 0 {
                    take(&header, &mut h, 4)?;
                }
                let _compression = vint(&header, &mut h)?;
                let _host = vint(&header, &mut h)?;
                let name_len = vint(&header, &mut h)?;
                let name = take(&header, &mut h, name_len as usize)?;
                let extra_start = header.len().saturating_sub(extra_size as usize);
                let encrypted = extra_records(&header[extra_start.max(h)..]).contains(&1);
                let folder = file_flags & 0x01 != 0;
                builder.push(Entry {
                    name: capped(&String::from_utf8_lossy(name), limits::NAME_CHARS),
                    size: (file_flags & 0x08 == 0 && !folder).then_some(unpacked),
                    folder,
                    encrypted,
                });
            }
            _ => {}
        }
        let next = (pos + at as u64 + header_size)
            .checked_add(data_size)
            .ok_or(PreviewRefusal::Corrupt)?;
        if next <= pos {
            return Err(PreviewRefusal::Corrupt);
        }
        pos = next;
    }
    // No end-of-archive block: cut off; without a main header, not an archive at all.
    if main {
        Ok(false)
    } else {
        Err(PreviewRefusal::Corrupt)
    }
}

/// The types of the records in a RAR 5 header's extra area.
fn extra_records(extra: &[u8]) -> Vec<u64> {
    let mut types = Vec::new();
    let mut at = 0;
    while at < extra.len() {
        let Ok(size) = vint(extra, &mut at) else {
            break;
        };
        let record_start = at;
        let Ok(kind) = vint(extra, &mut at) else {
            break;
        };
        types.push(kind);
        at = record_start.saturating_add(size as usize);
    }
    types
}

fn read_up_to<R: Read>(file: &mut R, buf: &mut [u8]) -> PreviewResult<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

fn u16_at(b: &[u8], at: usize) -> u64 {
    u16::from_le_bytes([b[at], b[at + 1]]) as u64
}
fn u32_at(b: &[u8], at: usize) -> u64 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as u64
}

fn walk4<R: Read + Seek>(
    file: &mut R,
    size: u64,
    builder: &mut ListingBuilder,
) -> PreviewResult<bool> {
    let mut pos = RAR4.len() as u64;
    let mut main = false;
    while pos + 7 <= size {
        if !builder.room() {
            return Ok(true);
        }
        file.seek(SeekFrom::Start(pos))?;
        let mut base = [0u8; 7];
        file.read_exact(&mut base)?;
        let kind = base[2];
        let flags = u16_at(&base, 3);
        let head_size = u16_at(&base, 5);
        if head_size < 7 {
            return Err(PreviewRefusal::Corrupt);
        }
        let mut rest = vec![0u8; head_size as usize - 7];
        file.read_exact(&mut rest)?;
        let mut add_size = if flags & 0x8000 != 0 && rest.len() >= 4 {
            u32_at(&rest, 0)
        } else {
            0
        };
        match kind {
            // Main header: 0x0080 says the block headers are encrypted.
            0x73 if flags & 0x0080 != 0 => return Err(PreviewRefusal::Encrypted),
            0x73 => main = true,
            0x7B => return Ok(false),
            0x74 => {
                if rest.len() < 25 {
                    return Err(PreviewRefusal::Corrupt);
                }
                let mut packed = u32_at(&rest, 0);
                let mut unpacked = u32_at(&rest, 4);
                let name_len = u16_at(&rest, 19) as usize;
                let mut at = 25;
                if flags & 0x0100 != 0 {
                    let high = rest.get(25..33).ok_or(PreviewRefusal::Corrupt)?;
                    packed |= u32_at(high, 0) << 32;
                    unpacked |= u32_at(high, 4) << 32;
                    at = 33;
                }
                let name = rest.get(at..at + name_len).ok_or(PreviewRefusal::Corrupt)?;
                let name = if flags & 0x0200 != 0 {
                    unicode_name(name)
                } else {
                    decode_name(name)
                };
                let folder = flags & 0x00E0 == 0x00E0;
                builder.push(Entry {
                    name,
                    size: (!folder).then_some(unpacked),
                    folder,
                    encrypted: flags & 0x0004 != 0,
                });
                add_size = packed;
            }
            _ => {}
        }
        let next = (pos + head_size)
            .checked_add(add_size)
            .ok_or(PreviewRefusal::Corrupt)?;
        pos = next;
    }
    if main {
        Ok(false)
    } else {
        Err(PreviewRefusal::Corrupt)
    }
}

/// A RAR 4 name with the Unicode flag: the OEM name, a zero byte, then the Unicode name
/// compressed against it (RarLab's `EncodeFileName`). Without the zero it is UTF-8.
fn unicode_name(raw: &[u8]) -> String {
    let Some(zero) = raw.iter().position(|b| *b == 0) else {
        return capped(&String::from_utf8_lossy(raw), limits::NAME_CHARS);
    };
    let (name, encoded) = (&raw[..zero], &raw[zero + 1..]);
    match decode_unicode(name, encoded) {
        Some(units) => capped(&String::from_utf16_lossy(&units), limits::NAME_CHARS),
        None => decode_name(name),
    }
}

fn decode_unicode(name: &[u8], enc: &[u8]) -> Option<Vec<u16>> {
    let mut out = Vec::new();
    let mut at = 0;
    let high = *enc.get(at)? as u16;
    at += 1;
    let (mut flags, mut flag_bits) = (0u8, 0u32);
    let next = |at: &mut usize| -> Option<u8> {
        let b = *enc.get(*at)?;
        *at += 1;
        Some(b)
    };
    while at < enc.len() && out.len() < 4096 {
        if flag_bits == 0 {
            flags = next(&mut at)?;
            flag_bits = 8;
        }
        match flags >> 6 {
            0 => out.push(next(&mut at)? as u16),
            1 => out.push(next(&mut at)? as u16 | (high << 8)),
            2 => {
                let low = next(&mut at)? as u16;
                out.push(low | ((next(&mut at)? as u16) << 8));
            }
            _ => {
                let length = next(&mut at)?;
                if length & 0x80 != 0 {
                    let correction = next(&mut at)?;
                    for _ in 0..(length & 0x7f) as usize + 2 {
                        let base = *name.get(out.len())?;
                        out.push((base.wrapping_add(correction) as u16) | (high << 8));
                    }
                } else {
                    for _ in 0..length as usize + 2 {
                        out.push(*name.get(out.len())? as u16);
                    }
                }
            }
        }
        flags <<= 2;
        flag_bits -= 2;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::{Preview, preview_bytes};
    use super::*;

    fn listing_of(bytes: &[u8]) -> PreviewResult<Listing> {
        match preview_bytes(bytes, "材料.rar", 0)? {
            Preview::Listing(l) => Ok(l),
            other => panic!("a listing, got {other:?}"),
        }
    }

    fn v(mut value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return out;
            }
            out.push(byte | 0x80);
        }
    }

    /// A RAR 5 block: CRC (not checked by the listing), size, then the header.
    fn block5(header: Vec<u8>, data: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; 4];
        b.extend(v(header.len() as u64));
        b.extend(header);
        b.extend(data);
        b
    }

    fn file5(name: &str, size: u64, data: &[u8], dir: bool, encrypted: bool) -> Vec<u8> {
        // One extra record: size 2, type 1 (encryption), one byte of its data.
        let extra = if encrypted { vec![2, 1, 0] } else { Vec::new() };
        let mut h = v(2);
        let flags = 0x02 | if extra.is_empty() { 0 } else { 0x01 };
        h.extend(v(flags));
        if !extra.is_empty() {
            h.extend(v(extra.len() as u64));
        }
        h.extend(v(data.len() as u64));
        h.extend(v(if dir { 1 } else { 0 }));
        h.extend(v(size));
        h.extend(v(0x20));
        h.extend(v(0));
        h.extend(v(0));
        h.extend(v(name.len() as u64));
        h.extend(name.as_bytes());
        h.extend(extra);
        block5(h, data)
    }

    #[test]
    fn rar5_entries_and_a_bomb_header() {
        let mut bytes = RAR5.to_vec();
        bytes.extend(block5([v(1), v(0), v(0)].concat(), b""));
        bytes.extend(file5("资料/", 0, b"", true, false));
        bytes.extend(file5(
            "资料/会议纪要.docx",
            1234,
            b"packed-bytes",
            false,
            false,
        ));
        bytes.extend(file5("炸弹.zip", u64::MAX / 2, b"x", false, true));
        bytes.extend(block5([v(5), v(0), v(0)].concat(), b""));
        let l = listing_of(&bytes).unwrap();
        assert_eq!(l.total, 3);
        assert!(l.entries[0].folder);
        assert_eq!(l.entries[1].name, "资料/会议纪要.docx");
        assert_eq!(l.entries[1].size, Some(1234));
        assert_eq!(
            l.entries[2].size,
            Some(u64::MAX / 2),
            "declared, not expanded"
        );
        assert!(l.entries[2].encrypted && l.encrypted);
        assert_eq!(l.nested, 1);

        let mut locked = RAR5.to_vec();
        locked.extend(block5([v(4), v(0), v(0), v(0)].concat(), b""));
        assert_eq!(listing_of(&locked), Err(PreviewRefusal::Encrypted));
    }

    fn file4(name: &[u8], flags: u16, packed: u32, unpacked: u32) -> Vec<u8> {
        let head_size = 7 + 25 + name.len();
        let mut b = vec![0, 0, 0x74];
        b.extend((flags | 0x8000).to_le_bytes());
        b.extend((head_size as u16).to_le_bytes());
        b.extend(packed.to_le_bytes());
        b.extend(unpacked.to_le_bytes());
        b.extend([2, 0, 0, 0, 0, 0, 0, 0, 0, 29, 0x30]);
        b.extend((name.len() as u16).to_le_bytes());
        b.extend([0x20, 0, 0, 0]);
        b.extend(name);
        b.extend(vec![b'z'; packed as usize]);
        b
    }

    #[test]
    fn rar4_gbk_and_unicode_names() {
        let mut bytes = RAR4.to_vec();
        bytes.extend([0, 0, 0x73, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0]);
        let (gbk, _, _) = encoding_rs::GBK.encode("检查记录.pdf");
        bytes.extend(file4(&gbk, 0, 10, 20));
        // The Unicode name "中" (U+4E2D): high byte 0x4E, flags 01 (a low byte with it).
        let name: Vec<u8> = [&b"x\0"[..], &[0x4E, 0b0100_0000, 0x2D]].concat();
        bytes.extend(file4(&name, 0x0200, 0, 3));
        bytes.extend(file4(b"dir", 0x00E0, 0, 0));
        bytes.extend([0, 0, 0x7B, 0, 0, 7, 0]);
        let l = listing_of(&bytes).unwrap();
        assert_eq!(l.entries[0].name, "检查记录.pdf");
        assert_eq!(l.entries[0].size, Some(20));
        assert_eq!(l.entries[1].name, "中");
        assert!(l.entries[2].folder);
        assert_eq!(l.total, 3);

        let mut locked = RAR4.to_vec();
        locked.extend([0, 0, 0x73, 0x80, 0, 13, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(listing_of(&locked), Err(PreviewRefusal::Encrypted));
    }

    #[test]
    fn the_fixture_archive() {
        // Made by tests/fixtures/make_rar.py; p7zip's `7z l` lists it the same way.
        let l = listing_of(include_bytes!("../../../tests/fixtures/preview.rar")).unwrap();
        let names: Vec<&str> = l.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            ["检查资料", "检查资料/整改报告.txt", "检查资料/<script>.txt"]
        );
        assert_eq!(l.entries[1].size, Some(19));
    }
}
