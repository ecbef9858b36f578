//! ZIP archives listed from their central directory, read as a stream: nothing is
//! decompressed and nothing but the entry being read is held. Names are UTF-8 when the
//! archive says so (flag bit 11 or an Info-ZIP Unicode path field), else UTF-8 when they
//! are valid UTF-8, else GBK — what Windows' own zip tool writes on a Chinese system.
//!
//! The same walk checks an .xlsx or .docx before calamine or the zip crate opens it
//! ([`check_office`]): those read the whole directory into memory.

use std::io::{BufReader, Read, Seek, SeekFrom};

use super::{
    ArchiveFormat, Entry, Listing, ListingBuilder, PreviewRefusal, PreviewResult, decode_name,
};

const EOCD: &[u8] = b"PK\x05\x06";
const ZIP64_LOCATOR: &[u8] = b"PK\x06\x07";
const ZIP64_EOCD: &[u8] = b"PK\x06\x06";
const CENTRAL: &[u8] = b"PK\x01\x02";

/// One central-directory record, as declared.
pub(super) struct RawEntry {
    pub name: Vec<u8>,
    pub utf8: bool,
    pub unicode_path: Option<Vec<u8>>,
    pub size: u64,
    pub encrypted: bool,
}

impl RawEntry {
    fn decoded_name(&self) -> String {
        match &self.unicode_path {
            Some(path) => decode_name(path),
            None if self.utf8 => decode_name(String::from_utf8_lossy(&self.name).as_bytes()),
            None => decode_name(&self.name),
        }
    }
}

fn u16_at(b: &[u8], at: usize) -> u64 {
    u16::from_le_bytes([b[at], b[at + 1]]) as u64
}
fn u32_at(b: &[u8], at: usize) -> u64 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as u64
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(bytes)
}

/// Where the central directory is and how many entries it declares.
struct Directory {
    offset: u64,
    size: u64,
    entries: u64,
}

fn directory<R: Read + Seek>(file: &mut R, size: u64) -> PreviewResult<Directory> {
    // The end record is in the last 22 bytes plus a comment of at most 65,535.
    let tail_len = size.min(22 + 65_535);
    if tail_len < 22 {
        return Err(PreviewRefusal::Corrupt);
    }
    file.seek(SeekFrom::Start(size - tail_len))?;
    let mut tail = vec![0u8; tail_len as usize];
    file.read_exact(&mut tail)?;
    let at = (0..=tail.len() - 22)
        .rev()
        .find(|&i| &tail[i..i + 4] == EOCD)
        .ok_or(PreviewRefusal::Corrupt)?;
    let end = &tail[at..];
    let eocd_pos = size - tail_len + at as u64;
    let mut dir = Directory {
        entries: u16_at(end, 10),
        size: u32_at(end, 12),
        offset: u32_at(end, 16),
    };
    if dir.entries == 0xFFFF || dir.size == 0xFFFF_FFFF || dir.offset == 0xFFFF_FFFF {
        // ZIP64: a locator just before the end record points at the larger one.
        if eocd_pos >= 20 {
            file.seek(SeekFrom::Start(eocd_pos - 20))?;
            let mut locator = [0u8; 20];
            file.read_exact(&mut locator)?;
            if &locator[..4] == ZIP64_LOCATOR {
                let record_at = u64_at(&locator, 8);
                if record_at.checked_add(56).is_none_or(|end| end > size) {
                    return Err(PreviewRefusal::Corrupt);
                }
                file.seek(SeekFrom::Start(record_at))?;
                let mut record = [0u8; 56];
                file.read_exact(&mut record)?;
                if &record[..4] != ZIP64_EOCD {
                    return Err(PreviewRefusal::Corrupt);
                }
                dir.entries = u64_at(&record, 32);
                dir.size = u64_at(&record, 40);
                dir.offset = u64_at(&record, 48);
            }
        }
    }
    if dir
        .offset
        .checked_add(dir.size)
        .is_none_or(|end| end > size)
    {
        return Err(PreviewRefusal::Corrupt);
    }
    Ok(dir)
}

/// Walks the central directory, giving each record to `visit` until it answers false.
/// Returns the entries the directory declares and whether the walk was stopped.
pub(super) fn walk<R: Read + Seek>(
    file: &mut R,
    size: u64,
    mut visit: impl FnMut(RawEntry) -> bool,
) -> PreviewResult<(u64, bool)> {
    let dir = directory(file, size)?;
    file.seek(SeekFrom::Start(dir.offset))?;
    let mut reader = BufReader::with_capacity(64 * 1024, file.take(dir.size));
    let mut fixed = [0u8; 46];
    let mut walked = 0u64;
    while walked < dir.entries {
        match reader.read_exact(&mut fixed) {
            Ok(()) => {}
            // A directory shorter than it declares: list what is there.
            Err(_) if walked > 0 => break,
            Err(_) => return Err(PreviewRefusal::Corrupt),
        }
        if &fixed[..4] != CENTRAL {
            if walked > 0 {
                break;
            }
            return Err(PreviewRefusal::Corrupt);
        }
        let flags = u16_at(&fixed, 8);
        let mut entry_size = u32_at(&fixed, 24);
        let name_len = u16_at(&fixed, 28) as usize;
        let extra_len = u16_at(&fixed, 30) as usize;
        let comment_len = u16_at(&fixed, 32);
        let mut name = vec![0u8; name_len];
        reader.read_exact(&mut name)?;
        let mut extra = vec![0u8; extra_len];
        reader.read_exact(&mut extra)?;
        std::io::copy(&mut (&mut reader).take(comment_len), &mut std::io::sink())?;
        let mut unicode_path = None;
        let mut at = 0;
        while at + 4 <= extra.len() {
            let id = u16_at(&extra, at);
            let len = u16_at(&extra, at + 2) as usize;
            let Some(data) = extra.get(at + 4..at + 4 + len) else {
                break;
            };
            match id {
                // ZIP64: the uncompressed size comes first when the record's is 0xFFFFFFFF.
                0x0001 if entry_size == 0xFFFF_FFFF && data.len() >= 8 => {
                    entry_size = u64_at(data, 0);
                }
                0x7075 if data.len() > 5 => unicode_path = Some(data[5..].to_vec()),
                _ => {}
            }
            at += 4 + len;
        }
        walked += 1;
        let go_on = visit(RawEntry {
            name,
            utf8: flags & 0x0800 != 0,
            unicode_path,
            size: entry_size,
            encrypted: flags & 0x0001 != 0,
        });
        if !go_on {
            return Ok((dir.entries, true));
        }
    }
    Ok((dir.entries, false))
}

pub fn listing(mut file: std::fs::File, size: u64) -> PreviewResult<Listing> {
    let mut builder = ListingBuilder::new(ArchiveFormat::Zip);
    let (declared, stopped) = walk(&mut file, size, |raw| {
        let name = raw.decoded_name();
        let folder = name.ends_with('/') || name.ends_with('\\');
        builder.push(Entry {
            name,
            size: (!folder).then_some(raw.size),
            folder,
            encrypted: raw.encrypted,
        });
        builder.room()
    })?;
    let walked = builder.listing.total;
    let mut listing = builder.finish(false);
    listing.total = walked.max(declared);
    listing.at_least = stopped && declared <= walked;
    Ok(listing)
}

/// An Office Open XML file's parts, checked from the directory before a reader that
/// loads the whole directory opens it: too many parts, or a part that declares more
/// than `part_limit` bytes (named by `is_limited`), is refused. An encrypted part too.
pub(super) fn check_office<R: Read + Seek>(
    file: &mut R,
    size: u64,
    is_limited: impl Fn(&str) -> bool,
    part_limit: u64,
) -> PreviewResult<()> {
    const MAX_PARTS: u64 = 10_000;
    let mut refusal = None;
    let (declared, _) = walk(file, size, |raw| {
        let name = String::from_utf8_lossy(&raw.name).to_ascii_lowercase();
        if raw.encrypted {
            refusal = Some(PreviewRefusal::Encrypted);
        } else if is_limited(&name) && raw.size > part_limit {
            refusal = Some(PreviewRefusal::TooLarge(part_limit));
        }
        refusal.is_none()
    })?;
    if let Some(refusal) = refusal {
        return Err(refusal);
    }
    if declared > MAX_PARTS {
        return Err(PreviewRefusal::Corrupt);
    }
    file.seek(SeekFrom::Start(0))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use super::super::{Preview, limits, preview_bytes};
    use super::*;

    fn listing_of(bytes: &[u8]) -> Listing {
        match preview_bytes(bytes, "材料.zip", 0) {
            Ok(Preview::Listing(l)) => l,
            other => panic!("a listing, got {other:?}"),
        }
    }

    #[test]
    fn names_sizes_and_folders() {
        let mut zip = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = ::zip::write::SimpleFileOptions::default()
            .compression_method(::zip::CompressionMethod::Stored);
        zip.add_directory("会议纪要/", options).unwrap();
        zip.start_file("会议纪要/第一次.txt", options).unwrap();
        zip.write_all(b"0123456789").unwrap();
        zip.start_file("内层.zip", options).unwrap();
        zip.write_all(b"PK").unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let l = listing_of(&bytes);
        assert_eq!(l.total, 3);
        assert_eq!(l.entries[0].name, "会议纪要/");
        assert!(l.entries[0].folder);
        assert_eq!(l.entries[1].name, "会议纪要/第一次.txt");
        assert_eq!(l.entries[1].size, Some(10));
        assert_eq!(l.nested, 1, "a nested archive is counted, not opened");
        assert!(!l.encrypted);
    }

    /// A central directory written by hand: GBK names without the UTF-8 flag (Windows'
    /// own zip tool on a Chinese system), and an encrypted entry.
    fn central_record(name: &[u8], flags: u16, size: u32) -> Vec<u8> {
        let mut r = Vec::new();
        r.extend(CENTRAL);
        r.extend([20, 0, 20, 0]);
        r.extend(flags.to_le_bytes());
        r.extend([0u8; 2 + 4 + 4]); // method, time and date, crc
        r.extend(size.to_le_bytes()); // compressed
        r.extend(size.to_le_bytes()); // uncompressed
        r.extend((name.len() as u16).to_le_bytes());
        r.extend([0u8; 2 + 2 + 2 + 2 + 4 + 4]);
        r.extend(name);
        r
    }

    fn archive(records: &[Vec<u8>], declared: u16) -> Vec<u8> {
        let directory: Vec<u8> = records.concat();
        // A local header's signature first, as every archive starts (what the upload sniffs).
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend([0u8; 26]);
        bytes.extend(&directory);
        bytes.extend(EOCD);
        bytes.extend([0u8; 4]);
        bytes.extend(declared.to_le_bytes());
        bytes.extend(declared.to_le_bytes());
        bytes.extend((directory.len() as u32).to_le_bytes());
        bytes.extend(30u32.to_le_bytes());
        bytes.extend([0u8; 2]);
        bytes
    }

    #[test]
    fn gbk_names_and_encrypted_entries() {
        let (gbk, _, _) = encoding_rs::GBK.encode("食品安全检查记录.docx");
        let bytes = archive(
            &[
                central_record(&gbk, 0, 100),
                central_record("说明.txt".as_bytes(), 0x0800, 5),
                central_record(b"secret.pdf", 0x0001, 7),
            ],
            3,
        );
        let l = listing_of(&bytes);
        assert_eq!(l.entries[0].name, "食品安全检查记录.docx");
        assert_eq!(l.entries[1].name, "说明.txt");
        assert!(l.entries[2].encrypted && l.encrypted);
        assert_eq!(l.declared_bytes, 112);
    }

    #[test]
    fn a_bomb_directory_is_listed_within_bounds() {
        // 5,000 entries each declaring 4 GB in a file of a few hundred kilobytes; and a
        // directory that declares a million entries it does not have.
        let records: Vec<Vec<u8>> = (0..5_000)
            .map(|i| central_record(format!("bomb/{i}.zip").as_bytes(), 0, u32::MAX - 1))
            .collect();
        let bytes = archive(&records, 5_000);
        let l = listing_of(&bytes);
        assert_eq!(l.entries.len(), limits::ENTRIES);
        assert_eq!(l.total, 5_000);
        assert_eq!(l.left_out(), 5_000 - limits::ENTRIES as u64);
        assert_eq!(l.nested, 5_000);
        assert_eq!(l.declared_bytes, 5_000 * (u32::MAX as u64 - 1));

        let bytes = archive(&records[..3], u16::MAX - 1);
        let l = listing_of(&bytes);
        assert_eq!(l.entries.len(), 3, "only what is there");
        assert_eq!(l.total, u16::MAX as u64 - 1, "as declared");
    }
}
