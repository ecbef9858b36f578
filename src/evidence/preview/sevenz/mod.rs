//! 7z archives listed from their header (7-Zip's `7zFormat.txt`). The header sits at the
//! end of the archive, usually LZMA-compressed ("encoded"); it is decoded (at most
//! [`limits::ARCHIVE_HEADER_BYTES`], with a dictionary no larger than that) and read, and
//! the packed data itself is never touched. An archive whose header is encrypted
//! (`7z -mhe=on`) has nothing to list without the password.
//!
//! Written over `lzma-rust2` rather than with `sevenz-rust2`: that crate sizes its vectors
//! from the counts the header declares before reading them (`vec![..; num_files]`), so a
//! few crafted bytes could make the server allocate gigabytes. Here every count is
//! checked against the bytes that must follow it, and nothing is kept per entry beyond
//! the listed ones.

use std::io::{BufReader, Read, Seek, SeekFrom};

use super::{
    ArchiveFormat, Entry, Listing, ListingBuilder, PreviewRefusal, PreviewResult, capped, limits,
};

mod streams;

use streams::{Bytes, Folder, Streams, bit, streams_info};

const SIGNATURE: &[u8] = b"7z\xbc\xaf\x27\x1c";
const AES: &[u8] = &[0x06, 0xF1, 0x07, 0x01];
const LZMA: &[u8] = &[0x03, 0x01, 0x01];
const LZMA2: &[u8] = &[0x21];
const COPY: &[u8] = &[0x00];

mod id {
    pub const END: u64 = 0x00;
    pub const HEADER: u8 = 0x01;
    pub const ARCHIVE_PROPERTIES: u64 = 0x02;
    pub const ADDITIONAL_STREAMS: u64 = 0x03;
    pub const MAIN_STREAMS: u64 = 0x04;
    pub const FILES: u64 = 0x05;
    pub const PACK_INFO: u64 = 0x06;
    pub const UNPACK_INFO: u64 = 0x07;
    pub const SUBSTREAMS: u64 = 0x08;
    pub const SIZE: u64 = 0x09;
    pub const CRC: u64 = 0x0A;
    pub const FOLDER: u64 = 0x0B;
    pub const UNPACK_SIZE: u64 = 0x0C;
    pub const NUM_UNPACK_STREAM: u64 = 0x0D;
    pub const EMPTY_STREAM: u64 = 0x0E;
    pub const EMPTY_FILE: u64 = 0x0F;
    pub const NAME: u64 = 0x11;
    pub const ENCODED_HEADER: u8 = 0x17;
}

/// Decodes an encoded header: its streams info points at packed bytes in the file.
fn decode_header<R: Read + Seek>(
    r: &mut Bytes<'_>,
    file: &mut R,
    size: u64,
) -> PreviewResult<Vec<u8>> {
    let streams = streams_info(r)?;
    let folder = streams.folders.first().ok_or(PreviewRefusal::Corrupt)?;
    if folder.encrypted() {
        return Err(PreviewRefusal::Encrypted);
    }
    let unpack = folder.unpack_size;
    if unpack > limits::ARCHIVE_HEADER_BYTES {
        return Err(PreviewRefusal::TooLarge(limits::ARCHIVE_HEADER_BYTES));
    }
    let packed = streams.first_pack_size.ok_or(PreviewRefusal::Corrupt)?;
    let start = streams
        .pack_pos
        .checked_add(32)
        .ok_or(PreviewRefusal::Corrupt)?;
    if start.checked_add(packed).is_none_or(|end| end > size) || folder.coders.len() != 1 {
        return Err(PreviewRefusal::Corrupt);
    }
    file.seek(SeekFrom::Start(start))?;
    let input = BufReader::new(file.take(packed));
    let coder = &folder.coders[0];
    // The dictionary never needs to be larger than what it produces.
    let dict_cap = unpack.max(4096) as u32;
    let mut decoder: Box<dyn Read> = if coder.id == LZMA && coder.props.len() == 5 {
        let dict = u32::from_le_bytes([
            coder.props[1],
            coder.props[2],
            coder.props[3],
            coder.props[4],
        ]);
        Box::new(
            lzma_rust2::LzmaReader::new_with_props(
                input,
                unpack,
                coder.props[0],
                dict.min(dict_cap),
                None,
            )
            .map_err(|_| PreviewRefusal::Corrupt)?,
        )
    } else if coder.id == LZMA2 && coder.props.len() == 1 {
        let d = coder.props[0] as u32;
        if d > 40 {
            return Err(PreviewRefusal::Corrupt);
        }
        let dict = if d == 40 {
            u32::MAX
        } else {
            (2 | (d & 1)) << (d / 2 + 11)
        };
        Box::new(lzma_rust2::Lzma2Reader::new(
            input,
            dict.min(dict_cap),
            None,
        ))
    } else if coder.id == COPY {
        Box::new(input)
    } else {
        return Err(PreviewRefusal::Corrupt);
    };
    let mut out = Vec::new();
    (&mut decoder).take(unpack).read_to_end(&mut out)?;
    if out.len() as u64 != unpack {
        return Err(PreviewRefusal::Corrupt);
    }
    Ok(out)
}

pub fn listing(mut file: std::fs::File, size: u64) -> PreviewResult<Listing> {
    let mut start = [0u8; 32];
    file.read_exact(&mut start)?;
    if !start.starts_with(SIGNATURE) || start[6] != 0 {
        return Err(PreviewRefusal::Corrupt);
    }
    let word = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&start[at..at + 8]);
        u64::from_le_bytes(b)
    };
    let (offset, length) = (word(12), word(20));
    if length == 0 {
        return Ok(ListingBuilder::new(ArchiveFormat::SevenZip).finish(false));
    }
    if length > limits::ARCHIVE_HEADER_BYTES {
        return Err(PreviewRefusal::TooLarge(limits::ARCHIVE_HEADER_BYTES));
    }
    let at = offset.checked_add(32).ok_or(PreviewRefusal::Corrupt)?;
    if at.checked_add(length).is_none_or(|end| end > size) {
        return Err(PreviewRefusal::Corrupt);
    }
    file.seek(SeekFrom::Start(at))?;
    let mut header = vec![0u8; length as usize];
    file.read_exact(&mut header)?;
    for _ in 0..4 {
        match header.first() {
            Some(&id::HEADER) => return files(&header[1..]),
            Some(&id::ENCODED_HEADER) => {
                let mut r = Bytes {
                    b: &header[1..],
                    at: 0,
                };
                header = decode_header(&mut r, &mut file, size)?;
            }
            _ => return Err(PreviewRefusal::Corrupt),
        }
    }
    Err(PreviewRefusal::Corrupt)
}

/// The plain header: streams, then the files.
fn files(header: &[u8]) -> PreviewResult<Listing> {
    let mut r = Bytes { b: header, at: 0 };
    let mut streams = Streams::default();
    let mut builder = ListingBuilder::new(ArchiveFormat::SevenZip);
    loop {
        match r.number()? {
            id::END => return Ok(builder.finish(false)),
            id::ARCHIVE_PROPERTIES => loop {
                if r.number()? == id::END {
                    break;
                }
                let n = r.number()?;
                r.take(n)?;
            },
            id::ADDITIONAL_STREAMS => {
                streams_info(&mut r)?;
            }
            id::MAIN_STREAMS => streams = streams_info(&mut r)?,
            id::FILES => {
                files_info(&mut r, &streams, &mut builder)?;
            }
            _ => return Err(PreviewRefusal::Corrupt),
        }
    }
}

fn files_info(
    r: &mut Bytes<'_>,
    streams: &Streams,
    builder: &mut ListingBuilder,
) -> PreviewResult<()> {
    // Every file has at least a name's terminator (two bytes) in what follows.
    let n = r.count(1)?;
    let (mut empty_stream, mut empty_file, mut names) = (&[][..], &[][..], &[][..]);
    loop {
        let kind = r.number()?;
        if kind == id::END {
            break;
        }
        let size = r.number()?;
        let data = r.take(size)?;
        match kind {
            id::EMPTY_STREAM => empty_stream = data,
            id::EMPTY_FILE => empty_file = data,
            // External names (in another stream) are not written by 7-Zip.
            id::NAME if data.first() == Some(&0) => names = &data[1..],
            _ => {}
        }
    }
    let encrypted = streams.folders.iter().any(Folder::encrypted);
    let (mut stream_index, mut empty_index) = (0usize, 0u64);
    let mut name_at = 0usize;
    for i in 0..n {
        if !builder.room() {
            break;
        }
        let mut units = Vec::new();
        while name_at + 1 < names.len() {
            let unit = u16::from_le_bytes([names[name_at], names[name_at + 1]]);
            name_at += 2;
            if unit == 0 {
                break;
            }
            if units.len() < limits::NAME_CHARS * 2 {
                units.push(unit);
            }
        }
        let name = capped(&String::from_utf16_lossy(&units), limits::NAME_CHARS);
        let entry = if bit(empty_stream, i) {
            let folder = !bit(empty_file, empty_index);
            empty_index += 1;
            Entry {
                name,
                size: (!folder).then_some(0),
                folder,
                encrypted: false,
            }
        } else {
            let size = streams.sizes.get(stream_index).copied();
            stream_index += 1;
            Entry {
                name,
                size,
                folder: false,
                encrypted,
            }
        };
        builder.push(entry);
    }
    builder.listing.total = builder.listing.total.max(n);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{Preview, preview_bytes};
    use super::*;

    fn listing_of(bytes: &[u8]) -> PreviewResult<Listing> {
        match preview_bytes(bytes, "材料.7z", 0)? {
            Preview::Listing(l) => Ok(l),
            other => panic!("a listing, got {other:?}"),
        }
    }

    fn archive(header: &[u8]) -> Vec<u8> {
        let mut bytes = SIGNATURE.to_vec();
        bytes.extend([0, 4, 0, 0, 0, 0]);
        bytes.extend(0u64.to_le_bytes());
        bytes.extend((header.len() as u64).to_le_bytes());
        bytes.extend([0u8; 4]);
        bytes.extend(header);
        bytes
    }

    fn utf16(names: &[&str]) -> Vec<u8> {
        let mut out = vec![0u8];
        for name in names {
            for unit in name.encode_utf16().chain([0]) {
                out.extend(unit.to_le_bytes());
            }
        }
        out
    }

    #[test]
    fn a_plain_header_lists_names_sizes_and_folders() {
        // Two files in one folder (sizes 5 and 7) and an empty folder entry.
        let mut h = vec![id::HEADER, 0x04];
        h.extend([0x06, 0x00, 0x01, 0x09, 12, 0x00]); // pack info: one stream of 12
        h.extend([0x07, 0x0B, 0x01, 0x00, 0x01, 0x01, 0x00, 0x0C, 12, 0x00]); // a Copy folder of 12
        h.extend([0x08, 0x0D, 0x02, 0x09, 5, 0x00]); // two substreams: 5, then the rest
        h.extend([0x00, 0x05, 0x03]);
        h.extend([0x0E, 0x01, 0b0010_0000]); // the third file has no stream
        h.extend([0x0F, 0x01, 0b0000_0000]); // and is not an empty file: a folder
        let names = utf16(&["纪要/一.txt", "纪要/二.txt", "纪要"]);
        h.push(0x11);
        h.push(names.len() as u8);
        h.extend(&names);
        h.extend([0x00, 0x00]);
        let l = listing_of(&archive(&h)).unwrap();
        assert_eq!(l.total, 3);
        assert_eq!(l.entries[0].name, "纪要/一.txt");
        assert_eq!(l.entries[0].size, Some(5));
        assert_eq!(l.entries[1].size, Some(7));
        assert!(l.entries[2].folder);
    }

    #[test]
    fn declared_counts_cannot_make_it_allocate() {
        // A header claiming 2^40 files, or 2^30 folders, in a few bytes.
        let mut h = vec![id::HEADER, 0x05];
        h.extend([0xFF, 0, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(listing_of(&archive(&h)), Err(PreviewRefusal::Corrupt));
        let h = [id::HEADER, 0x04, 0x07, 0x0B, 0xF0, 0, 0, 0, 0x40, 0];
        assert_eq!(listing_of(&archive(&h)), Err(PreviewRefusal::Corrupt));
        // A start header pointing past the end, or at a header too large to read.
        let mut bytes = archive(&[id::HEADER, 0]);
        bytes[20..28].copy_from_slice(&(1u64 << 40).to_le_bytes());
        assert_eq!(
            listing_of(&bytes),
            Err(PreviewRefusal::TooLarge(limits::ARCHIVE_HEADER_BYTES))
        );
        bytes[20..28].copy_from_slice(&1000u64.to_le_bytes());
        assert_eq!(listing_of(&bytes), Err(PreviewRefusal::Corrupt));
    }

    #[test]
    fn an_encrypted_encoded_header_is_refused_as_encrypted() {
        let mut h = vec![id::ENCODED_HEADER];
        h.extend([0x06, 0x00, 0x01, 0x09, 16, 0x00]);
        h.extend([
            0x07, 0x0B, 0x01, 0x00, 0x01, 0x24, 0x06, 0xF1, 0x07, 0x01, 0x01, 0x00,
        ]);
        h.extend([0x0C, 16, 0x00, 0x00]);
        assert_eq!(listing_of(&archive(&h)), Err(PreviewRefusal::Encrypted));
    }

    #[test]
    fn archives_made_by_7zip() {
        // p7zip's `7z a` (an LZMA-encoded header), and `7z a -p -mhe=on`.
        let l = listing_of(include_bytes!("../../../../tests/fixtures/preview.7z")).unwrap();
        let names: Vec<&str> = l.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            ["会议材料", "会议材料/<b>粗体.txt", "会议材料/纪要.txt"]
        );
        assert!(l.entries[0].folder);
        assert_eq!(l.entries[1].size, Some(1));
        assert_eq!(l.entries[2].size, Some(22));
        assert_eq!(
            listing_of(include_bytes!("../../../../tests/fixtures/encrypted.7z")),
            Err(PreviewRefusal::Encrypted)
        );
    }
}
